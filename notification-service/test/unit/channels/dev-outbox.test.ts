import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, createLogger, createMetricsRegistry, type HttpApp } from '@herald/platform';
import { CaptureProvider } from '../../../src/adapters/channels/capture.js';
import { renderOutboxPage } from '../../../src/channels/dev-outbox.js';
import { outboxLocale } from '../../../src/channels/dev-outbox-words.js';
import { TrackingSigner } from '../../../src/channels/tracking.js';
import type { ChannelStore } from '../../../src/domain/channel-ports.js';
import { registerChannelRoutes } from '../../../src/http/channel-routes.js';

/**
 * The dev outbox page in the reader's language (channels/dev-outbox.ts): `?lang=` over
 * Accept-Language, English when neither names a language the page has; the messages as rendered.
 */

describe('outboxLocale', () => {
  it.each([
    [undefined, undefined, 'en'],
    [undefined, 'es-MX,es;q=0.9,en;q=0.8', 'es'],
    [undefined, 'es_ES', 'es'],
    [undefined, 'en-GB,es;q=0.5', 'en'],
    [undefined, 'fr-CA, fr;q=0.9, es;q=0.4', 'es'],
    [undefined, 'fr, de;q=0.5', 'en'],
    [undefined, 'en;q=0.2, es;q=0.8', 'es'],
    [undefined, 'es;q=0, en', 'en'],
    [undefined, '*, es;q=0.1', 'es'],
    [undefined, 'not a tag!!, es', 'es'],
    ['en', 'es', 'en'],
    ['es-AR', 'en', 'es'],
    ['fr', 'es', 'es'],
    ['zz-!!', undefined, 'en'],
  ])('lang=%s, Accept-Language %s → %s', (lang, accept, expected) => {
    expect(outboxLocale(lang, accept)).toBe(expected);
  });
});

describe('GET /dev/outbox', () => {
  let app: HttpApp;
  const capture = new CaptureProvider({ now: () => new Date('2026-12-11T08:00:00Z') });

  beforeAll(async () => {
    app = await createHttpApp({ service: 'notification-service', logger: createLogger('dev-outbox-test', 'silent'), registry: createMetricsRegistry('notification-service') });
    await registerChannelRoutes(app, {
      store: {} as ChannelStore,
      signer: new TrackingSigner('dev-outbox-test-secret-0123456789'),
      sweep: async () => {},
      publicUrl: 'http://herald.test',
      capture,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  const page = async (url: string, acceptLanguage?: string) => {
    const res = await app.inject({ method: 'GET', url, headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    return { html: res.body, vary: res.headers.vary };
  };

  it('speaks English by default, with <html lang="en">, its empty state and buttons', async () => {
    const { html, vary } = await page('/dev/outbox');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Dev outbox</h1>');
    expect(html).toContain('Nothing sent yet.');
    expect(html).toContain('>Refresh</a>');
    expect(vary).toContain('Accept-Language');
  });

  it('follows Accept-Language, and ?lang= overrides it', async () => {
    const es = await page('/dev/outbox', 'es-MX,es;q=0.9,en;q=0.5');
    expect(es.html).toContain('<html lang="es">');
    expect(es.html).toContain('<h1>Bandeja de salida de desarrollo</h1>');
    expect(es.html).toContain('Todavía no se ha enviado nada.');
    expect(es.html).toContain('>Actualizar</a>');
    expect(es.html).toContain('href="?lang=es"');
    expect(es.html).not.toContain('Nothing sent yet');

    const en = await page('/dev/outbox?lang=en', 'es');
    expect(en.html).toContain('<html lang="en">');
    expect(en.html).toContain('<h1>Dev outbox</h1>');
    expect((await page('/dev/outbox?lang=es', 'en-US')).html).toContain('<html lang="es">');
    // A language the page does not have: English.
    expect((await page('/dev/outbox?lang=de', 'fr')).html).toContain('<html lang="en">');
    // Junk in ?lang= is neither echoed nor an error.
    const junk = await page('/dev/outbox?lang=%22%3E%3Cscript%3E', 'es');
    expect(junk.html).toContain('<html lang="es">');
    expect(junk.html).not.toContain('<script>');
  });

  it('labels messages in the page’s language and leaves the messages as they were rendered', async () => {
    await capture.send({ deliveryId: 'd1.sms', channel: 'sms', to: '+14155550123', subject: '', text: 'Ana Lima te siguió https://herald.test/t/c/x' });
    await capture.send({ deliveryId: 'd2.email', channel: 'email', to: 'grace@example.com', subject: 'Your day on Herald', text: 'Open your inbox', html: '<p>Open your inbox</p>' });
    const { html } = await page('/dev/outbox', 'es');
    expect(html).toContain('para <b>+14155550123</b>');
    expect(html).toContain('estado <b>enviado (capturado)</b>');
    expect(html).toContain('Ana Lima te siguió');
    expect(html).toContain('Your day on Herald');
    expect(html).not.toContain('id="empty"');
    // Newest first.
    expect(html.indexOf('d2.email')).toBeLessThan(html.indexOf('d1.sms'));
  });
});

describe('renderOutboxPage', () => {
  it('falls back to English for a locale it has no words for', () => {
    expect(renderOutboxPage([], ['email'], 'de')).toContain('<h1>Dev outbox</h1>');
  });
});

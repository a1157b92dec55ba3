/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { CHROMIUM_PATH } from './support/browser.js';

const RESULTS_DIR = fileURLToPath(new URL('../../test-results/email-templates/', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = ['follow', 'post', 'comment', 'like', 'mention', 'message', 'alert', 'reminder', 'system', 'digest'] as const;
const LOCALES = ['en', 'es'] as const;

interface Preview {
  template: { locale: string; source: string };
  rendered: { subject: string; preheader: string; html: string; text: string };
}

/**
 * Every built-in email template, in both languages, as Chromium draws it: the admin preview route
 * of an embedded Herald renders it (MJML layout, sample data, the reader's zone), the browser
 * loads the HTML, and each page must show real text, no Handlebars left over, a picture that is
 * not blank, and no sideways scrolling on a phone.
 */
describe('email templates in a real browser', () => {
  let herald: Herald;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let inspector: Page;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-email-templates-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
    // No network for the emails: every link points at a host that does not exist, and nothing may load.
    const context = await browser.newContext({ viewport: { width: 700, height: 900 }, javaScriptEnabled: true, offline: true });
    page = await context.newPage();
    inspector = await context.newPage();
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await herald?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function preview(type: string, locale: string): Promise<Preview> {
    const res = await fetch(`${herald.url}/api/v1/admin/templates/${type}/email/${locale}/preview`, {
      method: 'POST',
      headers: { 'x-api-key': herald.sendApiKey!, 'content-type': 'application/json' },
      body: JSON.stringify({ timeZone: locale === 'es' ? 'Europe/Madrid' : 'America/New_York' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Preview;
  }

  /** Distinct colours of a PNG, counted by the browser itself on a canvas (no image library needed). */
  async function coloursOf(png: Buffer): Promise<number> {
    return inspector.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      const seen = new Set<number>();
      for (let i = 0; i < data.length && seen.size < 1000; i += 4) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    }, png.toString('base64'));
  }

  const cases = TYPES.flatMap((type) => LOCALES.map((locale) => [type, locale] as const));

  it.each(cases)('%s email in %s: visible text, no {{ }}, a non-blank screenshot, fits a phone', async (type, locale) => {
    const { rendered, template } = await preview(type, locale);
    expect(template.locale).toBe(locale);
    expect(rendered.html).not.toMatch(/\{\{|\}\}/);
    expect(rendered.subject).not.toMatch(/\{\{|\}\}/);
    expect(rendered.text).not.toMatch(/\{\{|\}\}/);

    await page.setViewportSize({ width: 700, height: 900 });
    await page.setContent(rendered.html, { waitUntil: 'load' });
    expect(await page.title()).toBe(rendered.subject);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(locale);
    const visible = await page.evaluate(() => document.body.innerText);
    expect(visible).not.toMatch(/\{\{|\}\}/);
    expect(visible).toContain('Herald');
    expect(visible).toContain(locale === 'en' ? 'You get this email because' : 'Recibes este correo porque');
    // The preheader is for inbox lists only: present in the document, not drawn.
    expect(await page.$eval('.preheader', (el) => [el.textContent, getComputedStyle(el).display])).toEqual([rendered.preheader, 'none']);
    // The button and the settings link are real links.
    const hrefs = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toContain('https://herald.example/#/settings');
    // The item's tracked link, or a digest's tracked inbox link (the previews' sample tokens).
    expect(hrefs.some((h) => h === 'https://herald.example/t/c/preview' || h === 'https://herald.example/t/c/preview-inbox')).toBe(true);

    const file = path.join(RESULTS_DIR, `${type}.${locale}.png`);
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(file, png);
    expect(png.length).toBeGreaterThan(8_000);
    expect(await coloursOf(png)).toBeGreaterThan(16);

    // Responsive: on a 375 px phone nothing is wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });

  it('the same email says the same in the text part: links written out after their words', async () => {
    const { rendered } = await preview('like', 'es');
    expect(rendered.text).toContain('Ana Lima y 12 personas más marcaron tu publicación con «Me gusta»');
    expect(rendered.text).toContain('Abrir en Herald https://herald.example/t/c/preview');
    console.log(`screenshots: ${RESULTS_DIR}`);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { apiClient, uniqueName } from '../support/client.js';
import { startRealStack, type RealStack } from '../support/real-stack.js';
import { waitFor } from '../support/wait.js';

interface Mail {
  to: string[];
  raw: string;
}

// Real mode, through the gateway: every service its own process on PostgreSQL, RabbitMQ and Redis,
// email to a real SMTP server; the channel surface of docs/api.md as a client and a backend see it.
describe('real infrastructure: email fallback and its status through the gateway', () => {
  let stack: RealStack;
  let smtp: SMTPServer;
  const mails: Mail[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const port = (smtp.server.address() as AddressInfo).port;
    stack = await startRealStack({
      extraEnv: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        FALLBACK_DELAY_MS: '500',
        CHANNEL_SWEEP_MS: '100',
        PUBLIC_URL: 'http://herald.example',
        TRACKING_SECRET: 'e2e-tracking-secret-0123456789',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it('a follow for someone with no open session becomes one email, its status moves to sent, and a click is recorded', async () => {
    const api = apiClient(stack.gatewayUrl);
    const ana = await api.register(uniqueName('ana'));
    const bo = await api.register(uniqueName('bo'));
    expect((await api.call('POST', `/api/v1/users/${ana.user.id}/follow`, undefined, bo.accessToken)).status).toBe(204);

    const mail = await waitFor(() => mails.find((m) => m.to.includes(ana.user.email)), { what: 'the email', timeoutMs: 30_000 });
    expect(mail.raw).toContain(bo.user.username);
    const inbox = await api.call('GET', '/api/v1/notifications', undefined, ana.accessToken);
    const id = inbox.body.items[0].id as string;
    expect(mail.raw).toMatch(new RegExp(`Message-ID: <${id}\\.email@herald>`, 'i'));

    const status = await waitFor(async () => {
      const res = await api.call('GET', `/api/v1/notifications/status?id=${id}`, undefined, ana.accessToken);
      return res.body.channels?.find((c: { channel: string; status: string }) => c.channel === 'email' && c.status === 'sent');
    }, { what: 'email sent' });
    expect(status).toMatchObject({ provider: 'smtp', attempts: 1 });

    const link = /http:\/\/herald\.example(\/t\/c\/[A-Za-z0-9_.-]+)/.exec(mail.raw.replace(/=\r?\n/g, ''))![1]!;
    const click = await fetch(`${stack.gatewayUrl}${link}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } });
    expect(click.status).toBe(302);
    await waitFor(async () => {
      const res = await api.call('GET', `/api/v1/notifications/status?id=${id}`, undefined, ana.accessToken);
      return res.body.channels?.some((c: { channel: string; status: string }) => c.channel === 'email' && c.status === 'clicked');
    }, { what: 'email clicked' });
    // The timer fired once: a later sweep has nothing for this item.
    expect(mails.filter((m) => m.to.includes(ana.user.email))).toHaveLength(1);
  });

  it('an SMS status callback with a bad signature is refused with 403 through the gateway', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/v1/providers/sms/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
      body: 'MessageSid=SM1&MessageStatus=delivered',
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('invalid_signature');
  });
});

/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (installed by .ci/run); CHROMIUM_PATH overrides it. Never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Runs before the page's own scripts: wraps WebSocket so a test can see every socket the client
 * opened and every frame it sent or received, and close one as a network drop would.
 */
const SOCKET_SPY = `(() => {
  const Native = window.WebSocket;
  const log = (window.__ws = { sockets: [], sent: [], received: [] });
  const decoder = new TextDecoder();
  const text = (data) => (data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? decoder.decode(data) : String(data));
  const parse = (data) => { try { return JSON.parse(text(data)); } catch { return { type: 'unparsable', raw: text(data) }; } };
  class SpiedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      const socket = log.sockets.push(this) - 1;
      this.addEventListener('message', (e) => log.received.push({ socket, frame: parse(e.data) }));
    }
    send(data) {
      log.sent.push({ socket: log.sockets.indexOf(this), frame: parse(data) });
      return super.send(data);
    }
  }
  window.WebSocket = SpiedWebSocket;
})();`;

export interface Frame {
  socket: number;
  frame: { type: string; [key: string]: any };
}

/** One person with a browser profile of their own (fresh user-data-dir: no shared storage). */
export interface BrowserUser {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and console errors on the page, for the final check. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchUser(name: string): Promise<BrowserUser> {
  const dir = mkdtempSync(path.join(tmpdir(), `herald-browser-${name}-`));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ARGS,
      viewport: { width: 1200, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    await context.addInitScript(SOCKET_SPY);
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // A refused or dropped socket is reported by the browser itself; that is the scenario, not a bug.
      if (msg.type() === 'error' && !/WebSocket|ERR_INTERNET_DISCONNECTED/.test(msg.text())) errors.push(`console: ${msg.text()}`);
    });
    const ctx = context;
    return {
      name,
      context: ctx,
      page,
      errors,
      async close() {
        try {
          await ctx.close().catch(() => {});
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await context?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Every frame of a type the page's client sent or received so far. */
export async function framesOf(page: Page, direction: 'sent' | 'received', type: string): Promise<Frame[]> {
  return page.evaluate(([dir, t]) => ((window as any).__ws[dir] as Frame[]).filter((f) => f.frame.type === t), [direction, type] as const);
}

export const byTestId = (id: string) => `[data-testid="${id}"]`;

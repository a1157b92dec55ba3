// docs/protocol.md is the public protocol in prose; the schemas are the truth. Every frame type,
// error code, close code, Notification field, event type and delivery status the schemas define is
// on the page, the page names nothing they do not define, and its example frames are valid.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import {
  CLIENT_FRAMES,
  CLOSE_ADVICE,
  CLOSE_CODES,
  DELIVERY_STATUSES,
  ERROR_FRAME_CODES,
  EVENT_TYPES,
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_PRIORITIES,
  NOTIFICATION_TYPES,
  Notification,
  SERVER_FRAMES,
} from '../src/index.js';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The lines under `heading`, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`docs/protocol.md has no "${heading}"`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The rows of the first table in `text`, as cells (header and rule left out; `\|` is a pipe inside a cell). */
function rows(text: string): string[][] {
  const table = text.split('\n').filter((l) => l.startsWith('|'));
  return table.slice(2).map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
}

const code = (cell: string) => /^`([^`]+)`$/.exec(cell)?.[1] ?? cell;
const firstColumn = (heading: string) => rows(section(heading)).map((r) => code(r[0]!));
const sorted = (xs: Iterable<string | number>) => [...xs].map(String).sort();

describe('docs/protocol.md against the protocol schemas', () => {
  it('lists exactly the client frames, with valid examples', () => {
    const table = rows(section('### Client → server frames'));
    expect(sorted(table.map((r) => code(r[0]!)))).toEqual(sorted(Object.keys(CLIENT_FRAMES)));
    for (const [name, example] of table) {
      const schema = CLIENT_FRAMES[code(name!) as keyof typeof CLIENT_FRAMES];
      expect(Compile(schema).Check(JSON.parse(code(example!))), `the ${name} example`).toBe(true);
    }
  });

  it('lists exactly the server frames, with valid examples where they are whole', () => {
    const table = rows(section('### Server → client frames'));
    expect(sorted(table.map((r) => code(r[0]!)))).toEqual(sorted(Object.keys(SERVER_FRAMES)));
    for (const [name, example] of table) {
      if (example!.includes('…')) continue;
      const schema = SERVER_FRAMES[code(name!) as keyof typeof SERVER_FRAMES];
      expect(Compile(schema).Check(JSON.parse(code(example!))), `the ${name} example`).toBe(true);
    }
  });

  it('lists exactly the error frame codes', () => {
    expect(sorted(firstColumn('### Error frame codes'))).toEqual(sorted(ERROR_FRAME_CODES));
  });

  it('lists exactly the close codes, each under its name and with its advice', () => {
    const table = rows(section('### Close codes'));
    expect(sorted(table.map((r) => r[0]!))).toEqual(sorted(Object.values(CLOSE_CODES)));
    for (const [number, name, , client] of table) {
      expect(CLOSE_CODES[code(name!) as keyof typeof CLOSE_CODES], `${number} is ${name}`).toBe(Number(number));
      const advice = CLOSE_ADVICE[Number(number) as keyof typeof CLOSE_ADVICE];
      const says = /refresh the token/.test(client!) ? 'refresh_token' : /fix itself|smaller frames/.test(client!) ? 'fix_client' : 'reconnect';
      expect(says, `what the client does on ${number}`).toBe(advice);
    }
  });

  it('describes exactly the fields of the Notification, with its enumerations', () => {
    const table = rows(section('## The Notification'));
    expect(sorted(table.map((r) => code(r[0]!)))).toEqual(sorted(Object.keys(Notification.properties)));
    const values = (field: string) => sorted(table.find((r) => code(r[0]!) === field)![1]!.match(/`[^`]+`/g)!.map(code));
    expect(values('type')).toEqual(sorted(NOTIFICATION_TYPES));
    expect(values('category')).toEqual(sorted(NOTIFICATION_CATEGORIES));
    expect(values('priority')).toEqual(sorted(NOTIFICATION_PRIORITIES));
  });

  it('lists exactly the domain event types', () => {
    expect(sorted(firstColumn('## Domain events'))).toEqual(sorted(EVENT_TYPES));
  });

  it('lists exactly the delivery statuses, in the order they advance', () => {
    expect(firstColumn('## Delivery statuses')).toEqual([...DELIVERY_STATUSES]);
  });
});

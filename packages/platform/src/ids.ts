import { createHash, randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * Random bytes drawn 4 KiB at a time: one `randomBytes(16)` per id cost 4-6 µs (a syscall-backed
 * fill each), 40-60 ms for the 10,000 ids of one fan-out; a slice of a pooled fill costs well under 1 µs.
 */
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function random10(out: Buffer): void {
  if (poolOffset + 10 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  POOL.copy(out, 6, poolOffset, poolOffset + 10);
  poolOffset += 10;
}

/**
 * RFC 9562 UUIDv7: ids sort by creation time, so cursors and "resume after id" are plain
 * comparisons. A 12-bit counter keeps ids from one process strictly increasing within a millisecond.
 */
export function uuidv7(now = Date.now()): string {
  if (now <= lastMs) {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
    now = lastMs;
  } else {
    lastMs = now;
    seq = 0;
  }
  const bytes = Buffer.allocUnsafe(16);
  random10(bytes);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (seq >> 8);
  bytes[7] = seq & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A name-based UUID (version 8, SHA-256 of the name): the same name always gives the same id, so an
 * effect keyed by it (an API key's sender id, a failure notice's receipt) happens once.
 */
export function nameUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

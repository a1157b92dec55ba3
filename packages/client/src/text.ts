type Decoder = { decode(input: ArrayBuffer | ArrayBufferView): string };
const TextDecoderCtor = (globalThis as { TextDecoder?: new () => Decoder }).TextDecoder;
const decoder: Decoder | undefined = TextDecoderCtor ? new TextDecoderCtor() : undefined;

/**
 * A frame's text. The server sends JSON text frames; a binary one (asked for as an ArrayBuffer, so
 * it can be read synchronously and frames keep their order) is decoded as UTF-8.
 */
export function frameText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    const bytes = raw instanceof ArrayBuffer ? new Uint8Array(raw) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    return decoder ? decoder.decode(bytes) : decodeUtf8(bytes);
  }
  return String(raw);
}

/** UTF-8 for runtimes without TextDecoder (some React Native engines); bad sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    const [need, first, min] = b >= 0xc2 && b <= 0xdf ? [1, b & 0x1f, 0x80] : b >= 0xe0 && b <= 0xef ? [2, b & 0x0f, 0x800] : b >= 0xf0 && b <= 0xf4 ? [3, b & 0x07, 0x10000] : [0, 0, 0];
    let cp = first;
    let k = 1;
    for (; need > 0 && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (need === 0 || k <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += '\ufffd';
      i += 1;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

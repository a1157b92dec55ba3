/**
 * SMS length: a message is billed and delivered in segments. GSM-7 text fits 160 characters in one
 * segment and 153 per segment beyond (characters of the extension table count twice); anything
 * else is UCS-2: 70, then 67 per segment (UTF-16 code units). An SMS with its link must fit
 * `maxSegments` (two): when the text is too long as written, typographic characters and accents
 * GSM-7 lacks (á í ó ú, «», …) are folded first (accented letters GSM-7 has, é ñ ü ¿ ¡, stay), and
 * only then is the text cut, with an ellipsis. The link is never cut.
 */

const GSM_BASIC = new Set(
  Array.from('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'),
);
const GSM_EXTENSION = new Set(Array.from('^{}\\[~]|€\f'));

const TYPOGRAPHIC: Record<string, string> = {
  '«': '"', '»': '"', '“': '"', '”': '"', '„': '"', '‘': "'", '’': "'", '‚': "'", '…': '...', '–': '-', '—': '-', '\u00a0': ' ', '•': '-', '·': '-', '\t': ' ',
};

export type SmsEncoding = 'gsm7' | 'ucs2';

export function smsEncoding(text: string): SmsEncoding {
  for (const ch of text) if (!GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)) return 'ucs2';
  return 'gsm7';
}

function units(text: string, encoding: SmsEncoding): number {
  if (encoding === 'ucs2') return text.length;
  let n = 0;
  for (const ch of text) n += GSM_EXTENSION.has(ch) ? 2 : 1;
  return n;
}

export function smsSegments(text: string): number {
  const encoding = smsEncoding(text);
  const n = units(text, encoding);
  const [single, multi] = encoding === 'gsm7' ? [160, 153] : [70, 67];
  return n <= single ? 1 : Math.ceil(n / multi);
}

/** The text with what GSM-7 lacks replaced by its nearest GSM-7 spelling where there is one. */
export function gsmFold(text: string): string {
  let out = '';
  for (const ch of text) {
    if (GSM_BASIC.has(ch) || GSM_EXTENSION.has(ch)) {
      out += ch;
      continue;
    }
    const typographic = TYPOGRAPHIC[ch];
    if (typographic !== undefined) {
      out += typographic;
      continue;
    }
    const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    out += base !== ch && Array.from(base).every((c) => GSM_BASIC.has(c)) ? base : ch;
  }
  return out;
}

/** `text link`, within `maxSegments`: as written if it fits, else folded to GSM-7, else cut. */
export function fitSms(text: string, link: string, maxSegments = 2): string {
  const join = (body: string) => (body === '' ? link : link === '' ? body : `${body} ${link}`);
  const clean = text.replace(/\s+$/u, '');
  if (smsSegments(join(clean)) <= maxSegments) return join(clean);
  const folded = gsmFold(clean);
  if (smsSegments(join(folded)) <= maxSegments) return join(folded);
  const base = smsEncoding(folded) === 'gsm7' ? folded : clean;
  const ellipsis = smsEncoding(base) === 'gsm7' ? '...' : '…';
  const chars = Array.from(base);
  let lo = 0;
  let hi = chars.length;
  // The longest prefix that fits, by bisection (segments grow with length).
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (smsSegments(join(`${chars.slice(0, mid).join('').trimEnd()}${ellipsis}`)) <= maxSegments) lo = mid;
    else hi = mid - 1;
  }
  return join(lo === 0 ? '' : `${chars.slice(0, lo).join('').trimEnd()}${ellipsis}`);
}

/**
 * The spam filter's featurizer, shared by training and serving so that both
 * see a message the same way: text → tokens → hashed bucket indices.
 *
 * A text that starts like an e-mail (headers, a blank line, a body) gives
 * its Subject words twice, plain and prefixed `subject:`; any other text is
 * all body. Body words are lower-cased letter/digit runs, plus adjacent-word
 * bigrams and a few `meta:` marks (HTML, shouting, money, exclamations).
 *
 * Tokens are hashed with FNV-1a 32-bit over their UTF-8 bytes into
 * HASH_BUCKETS buckets; bucket 0 is reserved for padding, so
 * `bucket = 1 + fnv1a32(token) % (HASH_BUCKETS - 1)`.
 */

/** Bumped whenever a change here would change the buckets a text maps to. */
export const TOKENIZER_VERSION = 'spam-tokens-v1';
export const HASH_BUCKETS = 2 ** 18;
/** At most this many distinct buckets per text: bounds the model's input length. */
export const MAX_TOKENS = 4096;

const HEADER_LINE = /^(?:From |[A-Za-z][\w-]*:)/;
const MAX_WORD_LENGTH = 25;

interface Message {
  subject: string;
  body: string;
}

function splitMessage(text: string): Message {
  if (!HEADER_LINE.test(text)) return { subject: '', body: text };
  const end = text.search(/\r?\n\r?\n/);
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end);
  // Unfold continuation lines before looking for the Subject.
  const subject = /^subject:(.*)$/im.exec(head.replace(/\r?\n[ \t]+/g, ' '));
  return { subject: subject?.[1] ?? '', body };
}

/** Undoes what mail transport does to a body, so that words are words again. */
function cleanBody(body: string): string {
  return (
    body
      // quoted-printable soft line breaks and escaped bytes
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      // base64 lines carry no words worth learning
      .replace(/^[A-Za-z0-9+/]{40,}={0,2}\r?$/gm, ' ')
      .replace(/&nbsp;|&#160;/gi, ' ')
  );
}

function words(text: string): string[] {
  const found = text.toLowerCase().match(/[\p{L}\p{N}$€£]+/gu) ?? [];
  return found.filter((w) => w.length <= MAX_WORD_LENGTH);
}

function metaTokens(body: string): string[] {
  const marks: string[] = [];
  const tags = body.match(/<\/?[a-z][^>]*>/gi)?.length ?? 0;
  if (tags > 0) marks.push('meta:html');
  if (tags > 20) marks.push('meta:html-heavy');
  if (/!{2,}/.test(body)) marks.push('meta:bangs');
  if (/[$€£]\s?\d/.test(body)) marks.push('meta:money');
  const shouted = body.match(/\b[A-Z]{3,}\b/g)?.length ?? 0;
  if (shouted >= 2) marks.push('meta:shouting');
  if (shouted >= 10) marks.push('meta:shouting-lots');
  return marks;
}

/** The tokens of a text, in order of appearance, repeats included. */
export function tokenize(text: string): string[] {
  const { subject, body } = splitMessage(text);
  const cleaned = cleanBody(body);
  const plain = cleaned.replace(/<[^>]*>/g, ' ');
  const tokens: string[] = [];
  for (const w of words(subject)) tokens.push(`subject:${w}`, w);
  const bodyWords = words(plain);
  for (let i = 0; i < bodyWords.length; i++) {
    const w = bodyWords[i] as string;
    tokens.push(w);
    const next = bodyWords[i + 1];
    if (next !== undefined) tokens.push(`${w}_${next}`);
  }
  tokens.push(...metaTokens(cleaned));
  return tokens;
}

/** FNV-1a 32-bit over the UTF-8 bytes of `token`. */
export function fnv1a32(token: string): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number) => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  for (const char of token) {
    const cp = char.codePointAt(0) as number;
    if (cp < 0x80) {
      mix(cp);
    } else if (cp < 0x800) {
      mix(0xc0 | (cp >> 6));
      mix(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      mix(0xe0 | (cp >> 12));
      mix(0x80 | ((cp >> 6) & 0x3f));
      mix(0x80 | (cp & 0x3f));
    } else {
      mix(0xf0 | (cp >> 18));
      mix(0x80 | ((cp >> 12) & 0x3f));
      mix(0x80 | ((cp >> 6) & 0x3f));
      mix(0x80 | (cp & 0x3f));
    }
  }
  return hash >>> 0;
}

/** The distinct buckets of `tokens` (never 0), in order of first appearance, at most MAX_TOKENS. */
export function hashTokens(tokens: readonly string[]): number[] {
  const seen = new Set<number>();
  for (const token of tokens) {
    if (seen.size === MAX_TOKENS) break;
    seen.add(1 + (fnv1a32(token) % (HASH_BUCKETS - 1)));
  }
  return [...seen];
}

/** What the model reads for one text. */
export function featurize(text: string): number[] {
  return hashTokens(tokenize(text));
}

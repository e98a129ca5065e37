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
 *
 * `tokenize` + `hashTokens` say what the buckets are; `featurize`, what
 * training and every request run, gives the same buckets without making a
 * string per token: it finds words as offsets into the text, hashes them in
 * place, and hashes a bigram by carrying on from its first word's hash
 * (FNV-1a is a running state) through `_` and the second word.
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

const BASE64_LINE = /^[A-Za-z0-9+/]{40,}={0,2}\r?$/gm;
const BASE64_RUN = 40;

/** Whether `text` has BASE64_RUN base64 characters in a row, which any BASE64_LINE match has: a scan costs less than the regex. */
function hasBase64Run(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const base64 = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    run = base64 ? run + 1 : 0;
    if (run === BASE64_RUN) return true;
  }
  return false;
}

/** Undoes what mail transport does to a body, so that words are words again. Each pass is skipped when it cannot match. */
function cleanBody(body: string): string {
  let out = body;
  if (out.includes('=')) {
    // quoted-printable soft line breaks and escaped bytes
    out = out.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  // base64 lines carry no words worth learning
  if (hasBase64Run(out)) out = out.replace(BASE64_LINE, ' ');
  if (out.includes('&')) out = out.replace(/&nbsp;|&#160;/gi, ' ');
  return out;
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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Carries an FNV-1a state over the UTF-8 bytes of `text[start, end)`, code
 * point by code point (a lone surrogate as its own 3-byte code point, as
 * `for…of` yields it). The state stays a signed 32-bit integer: `Math.imul`
 * and `^` give the same low 32 bits as the unsigned loop.
 */
function fnvUpdate(state: number, text: string, start: number, end: number): number {
  let hash = state;
  for (let i = start; i < end; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      hash = Math.imul(hash ^ cp, FNV_PRIME);
      continue;
    }
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < end) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp < 0x800) {
      hash = Math.imul(hash ^ (0xc0 | (cp >> 6)), FNV_PRIME);
    } else {
      if (cp < 0x10000) {
        hash = Math.imul(hash ^ (0xe0 | (cp >> 12)), FNV_PRIME);
      } else {
        hash = Math.imul(hash ^ (0xf0 | (cp >> 18)), FNV_PRIME);
        hash = Math.imul(hash ^ (0x80 | ((cp >> 12) & 0x3f)), FNV_PRIME);
      }
      hash = Math.imul(hash ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
    }
    hash = Math.imul(hash ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
  }
  return hash;
}

/** FNV-1a 32-bit over the UTF-8 bytes of `token`. */
export function fnv1a32(token: string): number {
  return fnvUpdate(FNV_OFFSET, token, 0, token.length) >>> 0;
}

const BUCKET_BITS = Math.log2(HASH_BUCKETS);
const MODULUS = HASH_BUCKETS - 1;

/**
 * `1 + (hash >>> 0) % (HASH_BUCKETS - 1)` without a floating-point modulo:
 * HASH_BUCKETS is 2^k, so 2^k ≡ 1 (mod 2^k − 1) and a 32-bit hash is
 * congruent to the sum of its top 32−k bits and its low k bits, which is
 * below 2·(2^k − 1), so one subtraction finishes the reduction.
 */
function bucketOf(hash: number): number {
  let r = (hash >>> BUCKET_BITS) + (hash & MODULUS);
  if (r >= MODULUS) r -= MODULUS;
  return 1 + r;
}

/** The distinct buckets of `tokens` (never 0), in order of first appearance, at most MAX_TOKENS. */
export function hashTokens(tokens: readonly string[]): number[] {
  const seen = new Set<number>();
  for (const token of tokens) {
    if (seen.size === MAX_TOKENS) break;
    seen.add(bucketOf(fnv1a32(token)));
  }
  return [...seen];
}

/** `[\p{L}\p{N}$€£]` of `words`, one code point at a time; what a regex says of a non-ASCII BMP code point is kept (0 unknown, 1 yes, 2 no). */
const ASCII_WORD = Uint8Array.from({ length: 0x80 }, (_, c) => (/[\p{L}\p{N}$]/u.test(String.fromCharCode(c)) ? 1 : 0));
const BMP_WORD = new Uint8Array(0x10000);
const LETTER_OR_DIGIT = /^[\p{L}\p{N}€£]$/u;

function isWordCodePoint(cp: number): boolean {
  if (cp < 0x80) return ASCII_WORD[cp] === 1;
  if (cp >= 0x10000) return LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
  let known = BMP_WORD[cp] as number;
  if (known === 0) {
    known = LETTER_OR_DIGIT.test(String.fromCharCode(cp)) ? 1 : 2;
    BMP_WORD[cp] = known;
  }
  return known === 1;
}

/** The words of `words(text)` as [start, end) pairs into `lower`, which is `text.toLowerCase()`. */
function wordRanges(lower: string): number[] {
  const ranges: number[] = [];
  let start = -1;
  let i = 0;
  while (i < lower.length) {
    let cp = lower.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < lower.length) {
      const low = lower.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        width = 2;
      }
    }
    if (isWordCodePoint(cp)) {
      if (start === -1) start = i;
    } else if (start !== -1) {
      if (i - start <= MAX_WORD_LENGTH) ranges.push(start, i);
      start = -1;
    }
    i += width;
  }
  if (start !== -1 && lower.length - start <= MAX_WORD_LENGTH) ranges.push(start, lower.length);
  return ranges;
}

/** One bit per bucket, set while `featurize` runs: a bitmap is cheaper than a Set for telling a repeat (all zero between calls). */
const SEEN = new Int32Array(HASH_BUCKETS / 32);
const SUBJECT_STATE = fnvUpdate(FNV_OFFSET, 'subject:', 0, 'subject:'.length);
const UNDERSCORE = 0x5f;

/** What the model reads for one text: `hashTokens(tokenize(text))`, computed without the token strings. */
export function featurize(text: string): number[] {
  const { subject, body } = splitMessage(text);
  const cleaned = cleanBody(body);
  const plain = cleaned.replace(/<[^>]*>/g, ' ');
  const buckets: number[] = [];
  const add = (hash: number): void => {
    const bucket = bucketOf(hash);
    const bit = 1 << (bucket & 31);
    const word = bucket >>> 5;
    if (buckets.length === MAX_TOKENS || ((SEEN[word] as number) & bit) !== 0) return;
    SEEN[word] = (SEEN[word] as number) | bit;
    buckets.push(bucket);
  };
  const subjectLower = subject.toLowerCase();
  const subjectWords = wordRanges(subjectLower);
  for (let k = 0; k < subjectWords.length; k += 2) {
    const start = subjectWords[k] as number;
    const end = subjectWords[k + 1] as number;
    add(fnvUpdate(SUBJECT_STATE, subjectLower, start, end));
    add(fnvUpdate(FNV_OFFSET, subjectLower, start, end));
  }
  const bodyLower = plain.toLowerCase();
  const bodyWords = wordRanges(bodyLower);
  for (let k = 0; k < bodyWords.length; k += 2) {
    const word = fnvUpdate(FNV_OFFSET, bodyLower, bodyWords[k] as number, bodyWords[k + 1] as number);
    add(word);
    if (k + 2 < bodyWords.length) {
      add(fnvUpdate(Math.imul(word ^ UNDERSCORE, FNV_PRIME), bodyLower, bodyWords[k + 2] as number, bodyWords[k + 3] as number));
    }
  }
  for (const mark of metaTokens(cleaned)) add(fnv1a32(mark));
  // Leave SEEN all zero for the next text: clear only the bits this one set.
  for (const bucket of buckets) SEEN[bucket >>> 5] = 0;
  return buckets;
}

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
 * `bucket = 1 + fnv1a32(token) % (HASH_BUCKETS - 1)` (token-hash.ts).
 *
 * `tokenize` + `hashTokens` say what the buckets are; `featurize`, what
 * training and every request run, gives the same buckets without making a
 * string per token: it finds words as offsets into the text, hashes them in
 * place, and hashes a bigram by carrying on from its first word's hash
 * (FNV-1a is a running state) through `_` and the second word.
 */

import { featurizeLatin1 } from './featurize-latin1.js';
import { cleanBody, MAX_WORD_LENGTH, metaTokens, splitMessage } from './mail-text.js';
import { addBucket, bigramState, bucketOf, finishBuckets, fnv1a32, FNV_OFFSET, fnvUpdate, MAX_TOKENS, SUBJECT_STATE } from './token-hash.js';

export { fnv1a32, HASH_BUCKETS, MAX_TOKENS } from './token-hash.js';

/** Bumped whenever a change here (or in mail-text.ts, token-hash.ts) would change the buckets a text maps to. */
export const TOKENIZER_VERSION = 'spam-tokens-v1';

function words(text: string): string[] {
  const found = text.toLowerCase().match(/[\p{L}\p{N}$€£]+/gu) ?? [];
  return found.filter((w) => w.length <= MAX_WORD_LENGTH);
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

/**
 * What the model reads for one text: `hashTokens(tokenize(text))`, computed
 * without the token strings. A Latin-1 text (every message of the corpus,
 * most e-mail) takes the one-pass scan of featurize-latin1.ts; any other
 * needs the whole string's `toLowerCase()` first (a code point may lower to
 * two, a Greek sigma lowers by its place in the word), and offsets into it.
 */
export function featurize(text: string): number[] {
  return NOT_LATIN1.test(text) ? featurizeAnyText(text) : featurizeLatin1(text);
}

/** Any UTF-16 code unit above U+00FF (surrogates included). */
const NOT_LATIN1 = /[\u0100-\uffff]/;

function featurizeAnyText(text: string): number[] {
  const { subject, body } = splitMessage(text);
  const cleaned = cleanBody(body);
  const plain = cleaned.replace(/<[^>]*>/g, ' ');
  const subjectLower = subject.toLowerCase();
  const subjectWords = wordRanges(subjectLower);
  for (let k = 0; k < subjectWords.length; k += 2) {
    const start = subjectWords[k] as number;
    const end = subjectWords[k + 1] as number;
    addBucket(fnvUpdate(SUBJECT_STATE, subjectLower, start, end));
    addBucket(fnvUpdate(FNV_OFFSET, subjectLower, start, end));
  }
  const bodyLower = plain.toLowerCase();
  const bodyWords = wordRanges(bodyLower);
  for (let k = 0; k < bodyWords.length; k += 2) {
    const word = fnvUpdate(FNV_OFFSET, bodyLower, bodyWords[k] as number, bodyWords[k + 1] as number);
    addBucket(word);
    if (k + 2 < bodyWords.length) {
      addBucket(fnvUpdate(bigramState(word), bodyLower, bodyWords[k + 2] as number, bodyWords[k + 3] as number));
    }
  }
  for (const mark of metaTokens(cleaned)) addBucket(fnv1a32(mark));
  return finishBuckets();
}

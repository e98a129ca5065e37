/**
 * `featurize` for a text whose every character is Latin-1 (U+0000–U+00FF):
 * the same buckets as `hashTokens(tokenize(text))`, found in two passes over
 * the body's bytes (one for its marks, one for its words) instead of over
 * the strings tokenize makes (the unfolded
 * head, the tag-free body, its lower-cased copy, the words). A Latin-1 text
 * is its own bytes in `latin1`, written once into a buffer kept for the next
 * text, and reading a byte costs half a `charCodeAt`; every Latin-1
 * character lower-cases to one Latin-1 character, so a table lowers it in
 * place, and a word is hashed (alone and as a bigram's second half) while it
 * is scanned. Only the transport decoding of mail-text.ts's `cleanBody`
 * still makes a string, and only for a body that needs it.
 *
 * What each regular expression of tokenize means is spelled out where it is
 * scanned; the tables are built from those expressions themselves.
 */
import { BASE64_RUN, cleanBody, headLength, MAX_WORD_LENGTH, metaMarks } from './mail-text.js';
import { addBucket, bigramState, bucketCount, dropBuckets, finishBuckets, fnv1a32, FNV_OFFSET, FNV_PRIME, SUBJECT_STATE } from './token-hash.js';

const LATIN1 = Array.from({ length: 0x100 }, (_, c) => String.fromCharCode(c));
/** Each Latin-1 character lower-cased, as `toLowerCase` does it. */
const LOWER = Uint8Array.from(LATIN1, (c) => c.toLowerCase().charCodeAt(0));

/** What a character is to each rule, as bits of CLASS. */
const WORD = 1;
const W = 2;
const UPPER = 4;
const BASE64 = 8;
const MARK = 16;
/**
 * WORD: the lower-cased character is in `[\p{L}\p{N}$€£]`, the word characters
 * of tokenize's `words`; W: `\w`, the word characters of `\b`; UPPER: `[A-Z]`;
 * BASE64: `[A-Za-z0-9+/]`, a base64 line's; MARK: `!`, `$`, `£` or `<`, where a mark may start.
 */
const CLASS = Uint8Array.from(
  LATIN1,
  (c) =>
    (/^[\p{L}\p{N}$€£]$/u.test(c.toLowerCase()) ? WORD : 0) |
    (/^\w$/.test(c) ? W : 0) |
    (/^[A-Z]$/.test(c) ? UPPER : 0) |
    (/^[A-Za-z0-9+/]$/.test(c) ? BASE64 : 0) |
    (/^[!$£<]$/.test(c) ? MARK : 0),
);
/** The class of `[a-z0-9]`: a word's, `\w`'s and a base64 line's character, neither upper case nor a mark. */
const PLAIN = WORD | W | BASE64;
/** 1 where `\s` matches. */
const SPACE = Uint8Array.from(LATIN1, (c) => (/^\s$/.test(c) ? 1 : 0));

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SP = 0x20;
const LT = 0x3c;
const SLASH = 0x2f;
const BANG = 0x21;
/** `^subject:` of the unfolded head: a fold puts a space or tab after its line break, so this finds the same first line in the head as it is. */
const SUBJECT_LINE = /^subject:/im;
const SUBJECT_LENGTH = 'subject:'.length;

/** FNV_OFFSET as the signed 32-bit integer that Math.imul gives: above 2^31 it is a heap number, and a word's hash would start as one. */
const OFFSET = FNV_OFFSET | 0;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isSpaceOrTab = (c: number): boolean => c === SP || c === TAB;

/**
 * The bytes of the text being featurized (then of its cleaned body, if it
 * needs cleaning), grown when a text is longer: `bytes[0, s.length)` is `s`,
 * which the scan takes along to search with `indexOf`, and the SENTINEL
 * bytes after it are spaces, so that the scan reads one or two characters
 * past a position without checking for the end.
 */
const SENTINEL = 3;
let bytes = Buffer.alloc(64 * 1024);

/** Writes `s` as latin1 at `bytes[0, s.length)`, then the spaces after it. */
function write(s: string): void {
  if (s.length + SENTINEL > bytes.length) bytes = Buffer.alloc(2 ** Math.ceil(Math.log2(s.length + SENTINEL)));
  bytes.write(s, 0, 'latin1');
  bytes.fill(SP, s.length, s.length + SENTINEL);
}

export function featurizeLatin1(text: string): number[] {
  const head = headLength(text);
  write(text);
  if (head !== -1) {
    const subject = SUBJECT_LINE.exec(text);
    if (subject !== null && subject.index < head) {
      const from = subject.index + SUBJECT_LENGTH;
      addSubjectWords(from, subjectEnd(from, head));
    }
  }
  // A body that cleanBody leaves as it is (no quoted-printable, entity or base64 line) is scanned in place.
  const from = head === -1 ? 0 : head;
  const subjectBuckets = bucketCount();
  let marks = text.indexOf('=', from) === -1 && text.indexOf('&', from) === -1 ? scanBody(text, from, text.length) : undefined;
  if (marks === undefined || marks.base64) {
    dropBuckets(subjectBuckets);
    const cleaned = cleanBody(text.slice(from));
    write(cleaned);
    marks = scanBody(cleaned, 0, cleaned.length);
  }
  for (const mark of metaMarks(marks)) addBucket(fnv1a32(mark));
  return finishBuckets();
}

/**
 * A head line break the unfolding (`/\r?\n[ \t]+/g` → ' ') removes: `\n`
 * or `\r\n` before a space or tab, within the head. Returns its length, 0
 * for a real line end (any other `\n` or `\r`, the only line terminators
 * Latin-1 has).
 */
function foldAt(i: number, end: number): number {
  const c = bytes[i] as number;
  if (c === LF) return i + 1 < end && isSpaceOrTab(bytes[i + 1] as number) ? 1 : 0;
  if (c === CR && i + 2 < end && bytes[i + 1] === LF && isSpaceOrTab(bytes[i + 2] as number)) return 2;
  return 0;
}

/**
 * Where `(.*)` of `/^subject:(.*)$/im` ends in the unfolded head: at the
 * first line break from `from` on that is not a fold. A fold inside the
 * value is spaces and line-break characters, none of which is a word
 * character, as the space it unfolds to is not: the value's words are the same.
 */
function subjectEnd(from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = bytes[i] as number;
    if (c !== LF && c !== CR) continue;
    const fold = foldAt(i, end);
    if (fold === 0) return i;
    i += fold - 1;
  }
  return end;
}

/**
 * The Subject's words in `bytes[from, to)` as tokenize's `words` finds them
 * in its lower-cased copy: runs of word characters, dropped when longer than
 * MAX_WORD_LENGTH. Each gives its `subject:` token, then itself.
 */
function addSubjectWords(from: number, to: number): void {
  const b = bytes;
  let start = -1;
  let plain = 0;
  let prefixed = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? (b[i] as number) : SP;
    if (((CLASS[c] as number) & WORD) !== 0) {
      if (start === -1) {
        start = i;
        plain = FNV_OFFSET;
        prefixed = SUBJECT_STATE;
      }
      const lower = LOWER[c] as number;
      plain = hashLatin1(plain, lower);
      prefixed = hashLatin1(prefixed, lower);
      continue;
    }
    if (start === -1) continue;
    if (i - start <= MAX_WORD_LENGTH) {
      addBucket(prefixed);
      addBucket(plain);
    }
    start = -1;
  }
}

/** FNV-1a over the UTF-8 bytes of one Latin-1 character: one byte below U+0080, two from there. */
function hashLatin1(hash: number, c: number): number {
  if (c < 0x80) return Math.imul(hash ^ c, FNV_PRIME);
  return Math.imul(Math.imul(hash ^ (0xc0 | (c >> 6)), FNV_PRIME) ^ (0x80 | (c & 0x3f)), FNV_PRIME);
}

/**
 * One pass over the body `bytes[from, to)` (which is `s[from, to)`) for two
 * things tokenize finds on two different strings.
 *
 * The words and bigrams, in tokenize's order (word, then the bigram it
 * starts: here each bigram is added when its second word ends, just before
 * that word), over the body with `/<[^>]*>/g` replaced by a space: a `<`
 * with a `>` after it ends the word before it and the words skip to past
 * that `>`; once a `<` has no `>` after it, none after it has either, and
 * `<` is just a character that is not a word character. A dropped long word
 * is not half of a bigram: its neighbours pair up.
 *
 * The counts of mail-text.ts's `metaTokens`, over the whole body (tags
 * included: their words can shout too), and whether it has a base64 run
 * that `cleanBody` would act on:
 * - tags, `/<\/?[a-z][^>]*>/gi`: a `<`, an optional `/`, an ASCII letter
 *   (what the non-Unicode `i` flag adds to `[a-z]` is `[A-Z]`), then the
 *   first `>` after it ends the match, and the search goes on after that `>`;
 * - bangs, `/!{2,}/`: two `!` in a row;
 * - money, `/[$€£]\s?\d/`: `$` or `£` (€ is not Latin-1), an optional
 *   whitespace character, then an ASCII digit;
 * - shouting, `/\b[A-Z]{3,}\b/g`: a run of `\w` characters bounded by non-`\w`
 *   (or the ends) that is all `[A-Z]` and at least 3 long, since `\b` cannot
 *   match between two `\w`.
 */
function scanBody(s: string, from: number, to: number) {
  const b = bytes;
  let tags = 0;
  let nextTag = from;
  let closes = true;
  let bangs = false;
  let money = false;
  let shouted = 0;
  let run = 0;
  let upper = true;
  let base64Run = 0;
  let base64 = false;
  let wordsFrom = from;
  let wordTags = true;
  let start = -1;
  let word = 0;
  let bigram = 0;
  let previous = false;
  let afterPrevious = 0;
  for (let i = from; i <= to; i++) {
    const c = b[i] as number;
    const is = CLASS[c] as number;
    if (is === 0) {
      // A space or most punctuation: nothing to any rule but the end of a base64 run, a \w run and a word.
      base64Run = 0;
      if (run >= 3 && upper) shouted++;
      run = 0;
      upper = true;
    } else {
      if ((is & BASE64) === 0) base64Run = 0;
      else if (++base64Run === BASE64_RUN) base64 = true;
      if ((is & W) !== 0) {
        run++;
        if ((is & UPPER) === 0) upper = false;
      } else {
        if (run >= 3 && upper) shouted++;
        run = 0;
        upper = true;
      }
      if ((is & MARK) !== 0) {
        if (c === BANG) {
          if (b[i + 1] === BANG) bangs = true;
        } else if (c === LT) {
          const letterAt = b[i + 1] === SLASH ? i + 2 : i + 1;
          if (closes && i >= nextTag && isLetter(b[letterAt] as number)) {
            const close = s.indexOf('>', letterAt + 1);
            if (close === -1) closes = false;
            else {
              tags++;
              nextTag = close + 1;
            }
          }
        } else {
          const next = b[i + 1] as number;
          if (isDigit(next) || (SPACE[next] === 1 && isDigit(b[i + 2] as number))) money = true;
        }
      }
      if (i < wordsFrom) continue;
      if ((is & WORD) !== 0) {
        if (start === -1) {
          start = i;
          word = OFFSET;
          bigram = afterPrevious;
        }
        const lower = LOWER[c] as number;
        word = hashLatin1(word, lower);
        bigram = hashLatin1(bigram, lower);
        // The rest of the word's [a-z0-9]: to every rule the same, and each its own lower case and one UTF-8 byte.
        let j = i + 1;
        let d = b[j] as number;
        while (CLASS[d] === PLAIN) {
          word = Math.imul(word ^ d, FNV_PRIME);
          bigram = Math.imul(bigram ^ d, FNV_PRIME);
          d = b[++j] as number;
        }
        if (j > i + 1) {
          // Not a capital: the \w run cannot shout, so its length no longer matters.
          upper = false;
          base64Run += j - i - 1;
          if (base64Run >= BASE64_RUN) base64 = true;
          i = j - 1;
        }
        continue;
      }
    }
    // Inside a tag no word is under way: the `<` ended it.
    if (start !== -1) {
      if (i - start <= MAX_WORD_LENGTH) {
        if (previous) addBucket(bigram);
        addBucket(word);
        afterPrevious = bigramState(word);
        previous = true;
      }
      start = -1;
    }
    if (c === LT && wordTags) {
      const close = s.indexOf('>', i + 1);
      if (close === -1) wordTags = false;
      else wordsFrom = close + 1;
    }
  }
  return { tags, bangs, money, shouted, base64 };
}

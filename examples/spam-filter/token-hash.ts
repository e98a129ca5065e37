/**
 * How the spam filter's tokens become model inputs: FNV-1a 32-bit over a
 * token's UTF-8 bytes into HASH_BUCKETS buckets, bucket 0 reserved for
 * padding (`bucket = 1 + fnv1a32(token) % (HASH_BUCKETS - 1)`), and the
 * list of a text's distinct buckets in order of first appearance. Shared by
 * the reference tokenizer and both featurizer paths, so that they cannot
 * hash apart.
 */

export const HASH_BUCKETS = 2 ** 18;
/** At most this many distinct buckets per text: bounds the model's input length. */
export const MAX_TOKENS = 4096;

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/**
 * Carries an FNV-1a state over the UTF-8 bytes of `text[start, end)`, code
 * point by code point (a lone surrogate as its own 3-byte code point, as
 * `for…of` yields it). The state stays a signed 32-bit integer: `Math.imul`
 * and `^` give the same low 32 bits as the unsigned loop.
 */
export function fnvUpdate(state: number, text: string, start: number, end: number): number {
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
export function bucketOf(hash: number): number {
  let r = (hash >>> BUCKET_BITS) + (hash & MODULUS);
  if (r >= MODULUS) r -= MODULUS;
  return 1 + r;
}

/** One bit per bucket, set while a text's buckets are collected: a bitmap is cheaper than a Set for telling a repeat (all zero between texts). */
const SEEN = new Int32Array(HASH_BUCKETS / 32);

/**
 * The buckets of the text being featurized, in order: `collected[0, count)`.
 * Featurizing is synchronous, so one list serves every text: it grows to
 * the longest text's length once, instead of each text's list growing
 * (and being copied) push by push.
 */
const collected: number[] = [];
let count = 0;

/** Adds the bucket of `hash` to the text's list unless it is there already or the list is full. */
export function addBucket(hash: number): void {
  const bucket = bucketOf(hash);
  const bit = 1 << (bucket & 31);
  const word = bucket >>> 5;
  if (count === MAX_TOKENS || ((SEEN[word] as number) & bit) !== 0) return;
  SEEN[word] = (SEEN[word] as number) | bit;
  collected[count++] = bucket;
}

/** How many buckets the text has so far. */
export function bucketCount(): number {
  return count;
}

/** Takes the buckets after the first `length` back out of the list, as if they had never been added. */
export function dropBuckets(length: number): void {
  for (let i = length; i < count; i++) {
    const bucket = collected[i] as number;
    SEEN[bucket >>> 5] = (SEEN[bucket >>> 5] as number) & ~(1 << (bucket & 31));
  }
  count = length;
}

/** Ends a text's collection with its buckets; clears only the bits they set, so the next text starts from an all-zero bitmap and an empty list. */
export function finishBuckets(): number[] {
  const buckets = collected.slice(0, count);
  for (const bucket of buckets) SEEN[bucket >>> 5] = 0;
  count = 0;
  return buckets;
}

/** The FNV-1a state after `subject:`, which a Subject word's prefixed token carries on from. */
export const SUBJECT_STATE = fnvUpdate(FNV_OFFSET, 'subject:', 0, 'subject:'.length);
const UNDERSCORE = 0x5f;

/** The state a bigram's second word carries on from: its first word's state (`word`) through `_`. */
export function bigramState(word: number): number {
  return Math.imul(word ^ UNDERSCORE, FNV_PRIME);
}

import { describe, expect, it } from 'vitest';
import { fnv1a32, hashTokens, HASH_BUCKETS, MAX_TOKENS, tokenize } from './tokenize.js';

/** The textbook FNV-1a loop over Buffer bytes, to check the inlined UTF-8 encoder against. */
function referenceFnv1a(token: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(token, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of non-ASCII tokens', () => {
    for (const token of ['café', 'größe', '€100', '免费', 'emoji🎉']) {
      expect(fnv1a32(token)).toBe(referenceFnv1a(token));
    }
  });
});

describe('tokenize', () => {
  it('lower-cases words and adds adjacent-word bigrams', () => {
    expect(tokenize('Free Money now')).toEqual(['free', 'free_money', 'money', 'money_now', 'now']);
  });

  it('reads the Subject of an e-mail as prefixed and plain words, and ignores other headers', () => {
    const mail = 'From: a@example.com\nSubject: Cheap\n  Pills\nX-Mailer: Foo\n\nhello';
    const tokens = tokenize(mail);
    expect(tokens).toEqual(expect.arrayContaining(['subject:cheap', 'cheap', 'subject:pills', 'hello']));
    expect(tokens).not.toContain('mailer');
    expect(tokens).not.toContain('example');
  });

  it('decodes quoted-printable, strips HTML tags and marks shouting, money and exclamations', () => {
    const tokens = tokenize('<p>CLICK HERE to win $100 now!!! Unsub=\nscribe =46REE</p>');
    expect(tokens).toEqual(expect.arrayContaining(['unsubscribe', 'free', 'win', '$100']));
    expect(tokens).not.toContain('p');
    expect(tokens).toEqual(
      expect.arrayContaining(['meta:html', 'meta:shouting', 'meta:money', 'meta:bangs']),
    );
  });
});

describe('hashTokens', () => {
  it('gives the same distinct buckets for the same text, none of them the padding bucket 0', () => {
    const text = 'the quick brown fox jumps over the lazy dog the end';
    const first = hashTokens(tokenize(text));
    expect(hashTokens(tokenize(text))).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    for (const bucket of first) {
      expect(bucket).toBeGreaterThanOrEqual(1);
      expect(bucket).toBeLessThan(HASH_BUCKETS);
    }
    expect(first[0]).toBe(1 + (fnv1a32('the') % (HASH_BUCKETS - 1)));
  });

  it('keeps at most MAX_TOKENS buckets for a very long text', () => {
    const tokens = Array.from({ length: MAX_TOKENS * 3 }, (_, i) => `w${i}`);
    expect(hashTokens(tokens)).toHaveLength(MAX_TOKENS);
  });
});

import { describe, expect, it } from 'vitest';
import { loadCorpus } from './corpus.js';
import { featurize, fnv1a32, hashTokens, HASH_BUCKETS, MAX_TOKENS, tokenize } from './tokenize.js';

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

describe('featurize', () => {
  it('gives the buckets of hashTokens(tokenize(text)) for every message of the corpus', () => {
    const differing = loadCorpus().filter((m) => {
      const expected = hashTokens(tokenize(m.text));
      const actual = featurize(m.text);
      return actual.length !== expected.length || actual.some((bucket, i) => bucket !== expected[i]);
    });
    expect(differing.map((m) => m.file)).toEqual([]);
  });

  it('gives the same buckets for texts outside the corpus: non-Latin words, emoji, lone surrogates, long words, no words', () => {
    const texts = [
      '',
      '!!! ... ???',
      'Subject: 免费 Größe café\n\n€100 or £50 or $20 — naïve İstanbul ΑΒΓ 🎉party 𝐁𝐨𝐥𝐝 x\ud800y z\udc00',
      `${'a'.repeat(25)} ${'b'.repeat(26)} ${'é'.repeat(30)} end`,
      'Subject: hello\r\n\r\n<p>CLICK HERE =46REE soft=\r\nbreak &nbsp; now!!!</p>',
      `From: x\n\n${'QUJD'.repeat(20)}\nwords after base64`,
      Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' '),
    ];
    // Twice over: what one text marks as seen must not leak into the next.
    for (const text of [...texts, ...texts]) expect(featurize(text)).toEqual(hashTokens(tokenize(text)));
  });

  it('gives the same buckets for Latin-1 texts at the edges of each rule: folds, Subject lines, tags, marks, letters beyond ASCII', () => {
    const texts = [
      // Subject lines: folded with \n, \r\n and tabs, a fold that is not one (\r\r\n), one after a fold, in capitals, last, CR-only
      'From: a\r\nSubject: Cheap\r\n\tPills  now\r\nX: y\r\n\r\nbody',
      'From: a\nX-Note: folded\n subject: not this one\nSUBJECT: Real one\n\n<b>BODY</b>',
      'Received: x\r\r\n Subject: after a lone CR\r\n\r\nrest',
      'To: b\nSubject: last line, no body',
      'To: b\rSubject: cr only\rmore\r\rbody',
      'To: b\nSubject:\n\nempty subject',
      'To: b\nSubject: two\nSubject: three\n\nx',
      'Not a header line\nSubject: all body then',
      // Latin-1 letters, digits and signs: lower-casing, two UTF-8 bytes, what is and is not a word character
      'ÀÉÎÕÜ Çà ßÿ µª º ¹²³ ¼½¾ ×÷ naïve Ærø Þorn ©®° «quoted» ¡hola! ¿qué?',
      `${'É'.repeat(25)} ${'É'.repeat(26)} é${'a'.repeat(24)} x`,
      // money: $ and £, with an optional space or no-break space, then a digit
      '$5 $ 5 $\u00a05 $  5 £9 £ x $x',
      'only £\u00a03',
      // tags: unclosed, nested, not a tag name, words glued by tags, capitals inside tags
      'a<b>c <1> </> <<i>> < a> </ b> <//p> <FONT SIZE=3>RED TEXT</FONT> d<e',
      `${'<p>x</p>'.repeat(15)} tail`,
      'x < y and y > z but <unclosed forever',
      `${'<a <b> '.repeat(12)} <{x> <[y> <\`z> <@w> a<>b<>c > d`,
      '<{x> <[y> <`z> <@w> <~v>',
      // shouting: \w runs all in capitals, at least three, bounded by non-\w
      'ABC DEF GH IJK_LMN OPQ1 RSTé UVW. XYZ!! AAA,BBB CCC',
      'AB!!! ! ! !!',
      // transport encodings beside Latin-1 text
      'From: x\n\nCaf=E9 soft=\nbreak =3Cb=3EBOLD=3C/b=3E &nbsp;&#160;&NBSP; £10',
      `From: x\n\n${'QUJD'.repeat(20)}\nàfter base64 ÄÖÜ`,
      `From: x\n\nword\n${'QUJD'.repeat(10)}\nforty, then thirty-nine\n${'QUJD'.repeat(9)}QUJ\nend`,
      `Subject: kept\n\nbefore\n${'SGVs+bG8g/V29y+BGQH/'.repeat(3)}\nafter, and in a line of its own: ${'AB+cd/'.repeat(7)}`,
      // NEL and other C1 controls are not line terminators in JS
      'To: b\nSubject: one\u0085two\x9fthree\n\nbody\u0085here',
      // longer than the featurizer's first buffer
      Array.from({ length: 12000 }, (_, i) => `Wörd${i % 997}`).join(' '),
    ];
    for (const text of [...texts, ...texts]) expect(featurize(text)).toEqual(hashTokens(tokenize(text)));
  });

  it('returns a list of its own for each text: a longer text before, a full one, or a caller changing a list changes no other', () => {
    const full = Array.from({ length: MAX_TOKENS * 2 }, (_, i) => `w${i}`).join(' ');
    const short = 'Subject: short\n\njust a few words';
    const alone = hashTokens(tokenize(short));
    const first = featurize(full);
    expect(first).toHaveLength(MAX_TOKENS);
    expect(first).toEqual(hashTokens(tokenize(full)));
    const second = featurize(short);
    expect(second).toEqual(alone);
    first.fill(0);
    second.push(-1);
    expect(featurize(short)).toEqual(alone);
    expect(featurize(full)).toEqual(hashTokens(tokenize(full)));
  });

  it('gives the same buckets where a word of [a-z0-9] runs on: to the end of the text, of its buffer, into a base64 run or a shout', () => {
    const filler = (length: number, last: string) => `${'x '.repeat((length - last.length) / 2)}${last}`;
    const texts = [
      'abc',
      'plain words to the very end9',
      'Subject: end\n\nlast word runs to the end',
      // a text that fills the featurizer's first buffer (64 KiB) all but 0, 1, 2 and 3 bytes, its last word at the end
      filler(65536, 'tail'),
      filler(65535, 'tail5'),
      filler(65534, 'tail'),
      filler(65533, 'tail5'),
      // base64 runs of lower case and digits only, and ones broken by capitals, +, / and ends of line
      `From: x\n\nbefore\n${'abcd0123'.repeat(5)}\nafter`,
      `From: x\n\nbefore\n${'abcd0123'.repeat(5).slice(1)}\nafter`,
      `From: x\n\n${'abcdefghij'.repeat(3)}Kl+mn/${'op'.repeat(20)}\nend`,
      // shouting: capitals, then lower case or digits in the same \w run, and the other way round
      'ABCdef ABC1 abcDEF 1ABC ABC_def ABC DEF GHI xyz',
      // runs ended by a space or punctuation, which is nothing else to any rule
      'ABC;DEF-GHI.JKL MNO\tPQR', `From: x\n\n${'abcd'.repeat(9)} ${'abcd'.repeat(3)}\n${'abcd'.repeat(9)}.${'abcd'.repeat(2)}\nend`,
      // marks right after a run: bangs, money, tags, entities
      'win99!! now$5 abc<b>def</b>ghi xyz£ 7 abc&nbsp;def',
    ];
    for (const text of [...texts, ...texts]) expect(featurize(text)).toEqual(hashTokens(tokenize(text)));
  });
});

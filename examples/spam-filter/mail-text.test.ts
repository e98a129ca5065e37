import { describe, expect, it } from 'vitest';
import { loadCorpus } from './corpus.js';
import { blankLineAt } from './mail-text.js';

describe('blankLineAt', () => {
  it('finds the first blank line where /\\r?\\n\\r?\\n/ does, in every message of the corpus', () => {
    const differing = loadCorpus().filter((m) => blankLineAt(m.text) !== m.text.search(/\r?\n\r?\n/));
    expect(differing.map((m) => m.file)).toEqual([]);
  });

  it('finds it where the regex does with every mix of \\r and \\n, at the start and the end of a text', () => {
    const texts = ['', '\n', '\n\n', '\r\n\r\n', 'a\r\n\nb', 'a\n\r\nb', 'a\r\r\n\nb', 'a\n\r\rb\n\n', 'a\r\n\r\r\nb\r\n\r\n', '\r\n', 'x\ny\nz', 'x\r\ny\r\n', 'end\n', 'end\r\n\r', 'end\r\n\r\n'];
    for (const text of texts) expect([text, blankLineAt(text)]).toEqual([text, text.search(/\r?\n\r?\n/)]);
    // every string of up to 6 characters from a, \r and \n
    const alphabet = ['a', '\r', '\n'];
    let strings = [''];
    for (let length = 1; length <= 6; length++) {
      strings = strings.flatMap((s) => alphabet.map((c) => s + c));
      for (const text of strings) expect([text, blankLineAt(text)]).toEqual([text, text.search(/\r?\n\r?\n/)]);
    }
  });
});

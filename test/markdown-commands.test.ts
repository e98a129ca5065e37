import { describe, expect, it } from 'vitest';
import { docCommands, fencedBlocks, showsExpected } from './markdown-commands.js';

const doc = [
  'Text with `inline` code.',
  '',
  '```sh',
  'KEY=$(cat key)',
  "curl -s http://x/predict \\",
  "  -H 'a: b'   # a remark, not run",
  '# {"label":"spam"}   (what it prints, then a remark)',
  '# (a remark line)',
  '',
  '# a comment after a blank line belongs to no command',
  'npm test',
  '```',
  '',
  '````md',
  '```sh',
  'not a command: inside another fence',
  '```',
  '````',
  '',
  '    ```sh',
  '    indented four: an indented code block, not a fence',
  '    ```',
  '',
  '~~~bash',
  'echo tilde',
  '~~~',
  '',
  '```text',
  'mlaas up [--port N]',
  '```',
].join('\n');

describe('docCommands', () => {
  it('lists the commands of shell fences only, continuation lines joined, with the output shown under each', () => {
    expect(docCommands('x.md', doc)).toEqual([
      { file: 'x.md', line: 4, command: 'KEY=$(cat key)', expected: [] },
      { file: 'x.md', line: 5, command: "curl -s http://x/predict -H 'a: b'", expected: ['{"label":"spam"}'] },
      { file: 'x.md', line: 11, command: 'npm test', expected: [] },
      { file: 'x.md', line: 25, command: 'echo tilde', expected: [] },
    ]);
  });

  it('sees a fence inside a longer fence as that block’s text, and keeps other blocks with their info string', () => {
    expect(fencedBlocks(doc).map((b) => b.info)).toEqual(['sh', 'md', 'bash', 'text']);
  });
});

describe('showsExpected', () => {
  it('matches whole lines in order, … as any text and any run of blanks as one', () => {
    const output = 'mlaas is up\n  gateway   http://127.0.0.1:4000\n  service   a: 1 ready\n';
    expect(showsExpected(output, ['mlaas is up', 'gateway http://127.0.0.1:…', 'service a: 1 ready'])).toBe(true);
    expect(showsExpected(output, ['service a: 1 ready', 'mlaas is up'])).toBe(false);
    expect(showsExpected(output, ['gateway'])).toBe(false);
    expect(showsExpected('{"p":0.98,"label":"spam"}', ['{"p":0.9…,"label":"spam"}'])).toBe(true);
    expect(showsExpected('{"p":0.98,"label":"ham"}', ['{"p":0.9…,"label":"spam"}'])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { compileIgnoreRules, compileReincludeRules } from './ignore-rules.js';

describe('compileIgnoreRules (gitignore syntax of .mlaasignore)', () => {
  it('matches a bare name at any depth, files and directories alike', () => {
    const ignored = compileIgnoreRules(['secrets.env']);
    expect(ignored('secrets.env', false)).toBe(true);
    expect(ignored('config/secrets.env', false)).toBe(true);
    expect(ignored('secrets.env.example', false)).toBe(false);
  });

  it('applies a trailing slash to directories only', () => {
    const ignored = compileIgnoreRules(['model/']);
    expect(ignored('model', true)).toBe(true);
    expect(ignored('sub/model', true)).toBe(true);
    expect(ignored('model', false)).toBe(false);
  });

  it('anchors a pattern with a leading or inner slash at the source root', () => {
    const ignored = compileIgnoreRules(['/build', 'docs/*.md']);
    expect(ignored('build', true)).toBe(true);
    expect(ignored('src/build', true)).toBe(false);
    expect(ignored('docs/a.md', false)).toBe(true);
    expect(ignored('x/docs/a.md', false)).toBe(false);
  });

  it('keeps * and ? inside one segment, ** across segments', () => {
    const ignored = compileIgnoreRules(['*.test.ts', 'data/**', '**/cache/*.bin', 'a/**/z', 'v?.txt']);
    expect(ignored('server.test.ts', false)).toBe(true);
    expect(ignored('deep/x.test.ts', false)).toBe(true);
    expect(ignored('server.ts', false)).toBe(false);
    expect(ignored('data/x/y.csv', false)).toBe(true);
    expect(ignored('data', true)).toBe(false);
    expect(ignored('cache/a.bin', false)).toBe(true);
    expect(ignored('p/q/cache/a.bin', false)).toBe(true);
    expect(ignored('a/z', false)).toBe(true);
    expect(ignored('a/b/c/z', false)).toBe(true);
    expect(ignored('v1.txt', false)).toBe(true);
    expect(ignored('v10.txt', false)).toBe(false);
  });

  it('lets a later ! rule re-include, and skips comments and blank lines', () => {
    const ignored = compileIgnoreRules(['# training only', '', '*.py', '!serve.py']);
    expect(ignored('train.py', false)).toBe(true);
    expect(ignored('serve.py', false)).toBe(false);
    expect(ignored('# training only', false)).toBe(false);
  });

  it('treats regex characters literally', () => {
    const ignored = compileIgnoreRules(['a+b(1).txt']);
    expect(ignored('a+b(1).txt', false)).toBe(true);
    expect(ignored('aab1.txt', false)).toBe(false);
  });

  it('tells a path taken back with ! from one no rule matched', () => {
    const reincluded = compileReincludeRules(['*.pem', '!certs/ca.pem']);
    expect(reincluded('certs/ca.pem', false)).toBe(true);
    expect(reincluded('certs/other.pem', false)).toBe(false);
    expect(reincluded('server.js', false)).toBe(false);
  });
});

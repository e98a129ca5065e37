import { describe, expect, it } from 'vitest';
import { assertAliasName, formatModelRef, parseModelRef } from './model-ref.js';

describe('model references', () => {
  it('reads a bare name and @latest as the highest version, digits as a version, anything else as an alias', () => {
    expect(parseModelRef('spam')).toEqual({ name: 'spam', kind: 'latest' });
    expect(parseModelRef('spam@latest')).toEqual({ name: 'spam', kind: 'latest' });
    expect(parseModelRef('spam@12')).toEqual({ name: 'spam', kind: 'version', version: 12 });
    expect(parseModelRef('spam-v2@production')).toEqual({ name: 'spam-v2', kind: 'alias', alias: 'production' });
    expect(formatModelRef('spam', 3)).toBe('spam@3');
  });

  it.each(['Spam', 'spam@', 'spam@0', 'spam@03', 'spam@Prod', 'spam@prod@1', '-spam', 'spam_x', '', `${'a'.repeat(64)}`])(
    'rejects %j with MODEL_REF_INVALID',
    (ref) => {
      expect(() => parseModelRef(ref)).toThrow(expect.objectContaining({ code: 'MODEL_REF_INVALID' }));
    },
  );

  it('refuses alias names that could be read as a version or as latest', () => {
    for (const alias of ['3', 'latest', '1abc', 'Prod', 'a_b']) {
      expect(() => assertAliasName(alias), alias).toThrow(expect.objectContaining({ code: 'MODEL_REF_INVALID' }));
    }
    expect(() => assertAliasName('canary-2')).not.toThrow();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { flagSetFromFlagdFile } from './flagd-file.js';
import { loadFlagSet } from './load-flag-set.js';

const threshold = { state: 'ENABLED', variants: { low: 0.3, high: 0.7 }, defaultVariant: 'high' };
const proModel = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ $ref: 'isPro' }, 'on', 'off'] },
};
const evaluators = { isPro: { '==': [{ var: 'plan' }, 'pro'] } };

function errorsOf(fn: () => unknown): { code: string; errors: { path: string; message: string }[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlaasError) return { code: err.code, errors: err.errors ?? [] };
    throw err;
  }
  throw new Error('expected an MlaasError');
}

describe('a flagd daemon flags file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-flagd-file-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads the `flags` list form (each flag with its key) as flagd does, $evaluators and metadata included', () => {
    const set = flagSetFromFlagdFile({
      $schema: 'https://flagd.dev/schema/v0/flagd.json',
      metadata: { flagSetId: 'shop', version: '7' },
      $evaluators: evaluators,
      flags: [
        { key: 'threshold', ...threshold },
        { key: 'pro-model', ...proModel, metadata: { owner: 'ml' } },
      ],
    });
    expect(set.keys).toEqual(['threshold', 'pro-model']);
    expect(set.evaluateAll({ targetingKey: 'acme', plan: 'pro' })).toEqual({ threshold: 0.7, 'pro-model': true });
    expect(set.evaluateAll({ targetingKey: 'globex', plan: 'free' })).toEqual({ threshold: 0.7, 'pro-model': false });
  });

  it('loads the `flags` map form with $schema and metadata, the form flagd documents first', () => {
    const set = flagSetFromFlagdFile({ $schema: 'https://flagd.dev/schema/v0/flags.json', metadata: { version: '1' }, flags: { threshold } });
    expect(set.evaluateAll({ targetingKey: 'acme' })).toEqual({ threshold: 0.7 });
  });

  it('reports every problem of a list at the list’s own paths: no key, a repeated key, a bad definition', () => {
    const found = errorsOf(() =>
      flagSetFromFlagdFile({
        flags: [
          { key: 'threshold', ...threshold },
          { ...threshold },
          { key: 'threshold', ...threshold },
          'on',
          { key: 'broken', ...threshold, defaultVariant: 'medium' },
        ],
      }),
    );
    expect(found.code).toBe('CONFIG_INVALID');
    expect(found.errors).toEqual([
      { path: 'flags[1].key', message: 'expected the flag\'s key (a non-empty string), got nothing' },
      { path: 'flags[2].key', message: 'expected a key no other flag has, got "threshold", the key of flags[0] too' },
      { path: 'flags[3]', message: 'expected a flag definition (a map with its "key"), got "on"' },
      { path: 'flags[4].defaultVariant', message: 'expected one of the variants (low, high), got "medium"' },
    ]);
  });

  it('is what `flags: { file }` in mlaas.yaml reads, JSON or YAML', async () => {
    fs.writeFileSync(path.join(dir, 'flagd.json'), JSON.stringify({ flags: [{ key: 'threshold', ...threshold }] }));
    fs.writeFileSync(path.join(dir, 'flagd.yaml'), 'flags:\n  - key: threshold\n    state: ENABLED\n    variants: { low: 0.3, high: 0.7 }\n    defaultVariant: low\n');
    expect((await loadFlagSet({ file: 'flagd.json' }, { baseDir: dir })).evaluateAll({ targetingKey: 'x' })).toEqual({ threshold: 0.7 });
    expect((await loadFlagSet({ file: 'flagd.yaml' }, { baseDir: dir })).evaluateAll({ targetingKey: 'x' })).toEqual({ threshold: 0.3 });
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ flags: [{ key: 'threshold', ...threshold, state: 'ON' }] }));
    await expect(loadFlagSet({ file: 'bad.json' }, { baseDir: dir })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `${path.join(dir, 'bad.json')}: 1 error`,
      errors: [{ path: 'flags[0].state', message: expect.stringContaining('ENABLED') as unknown }],
    });
  });
});

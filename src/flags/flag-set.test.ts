import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { FlagSet } from './flag-set.js';
import { loadFlagSet } from './load-flag-set.js';

const flags = {
  'new-ui': {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'on', 'off'] },
  },
  'model-version': {
    state: 'ENABLED',
    variants: { stable: 'v1', beta: 'v2' },
    defaultVariant: 'stable',
    targeting: { if: [{ starts_with: [{ var: 'region' }, 'eu-'] }, 'beta'] },
  },
  rollout: {
    state: 'ENABLED',
    variants: { canary: 'canary', stable: 'stable' },
    defaultVariant: 'stable',
    targeting: { fractional: [['canary', 20], ['stable', 80]] },
  },
  'kill-switch': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  threshold: { state: 'ENABLED', variants: { low: 0.3, high: 0.7 }, defaultVariant: 'high' },
};
const set = FlagSet.fromDocument({ flags });

function issuesOf(fn: () => unknown): { code: string; detail: string; errors: { path: string; message: string }[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlaasError) return { code: err.code, detail: err.message, errors: err.errors ?? [] };
    throw err;
  }
  throw new Error('expected an MlaasError');
}

describe('FlagSet', () => {
  it('serves a boolean flag by a tenant attribute', () => {
    const pro = set.evaluate('new-ui', { targetingKey: 'acme', plan: 'pro' }, false);
    const free = set.evaluate('new-ui', { targetingKey: 'globex', plan: 'free' }, false);
    expect(pro).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(free).toMatchObject({ value: false, variant: 'off' });
  });

  it('serves a string flag by a starts_with rule and falls back to the default variant', () => {
    expect(set.evaluate('model-version', { targetingKey: 'acme', region: 'eu-west-1' })).toMatchObject({ value: 'v2', variant: 'beta' });
    expect(set.evaluate('model-version', { targetingKey: 'acme', region: 'us-east-1' })).toMatchObject({
      value: 'v1',
      variant: 'stable',
      reason: 'DEFAULT',
    });
  });

  it('sends 20% ± 5 points of 500 tenants to a 20% canary, each tenant always to the same variant', () => {
    const tenants = Array.from({ length: 500 }, (_, i) => `tenant-${i}`);
    const first = tenants.map((t) => set.evaluate('rollout', { targetingKey: t }).value);
    const canaries = first.filter((v) => v === 'canary').length;
    expect(canaries).toBeGreaterThanOrEqual(75);
    expect(canaries).toBeLessThanOrEqual(125);

    // Same answer on repeat and from a set rebuilt from the same document (a restart).
    const rebuilt = FlagSet.fromDocument({ flags });
    for (let round = 0; round < 3; round++) {
      const again = tenants.map((t) => (round === 2 ? rebuilt : set).evaluate('rollout', { targetingKey: t }).value);
      expect(again).toEqual(first);
    }
  });

  it('gives the caller default for a disabled flag and leaves it out of evaluateAll', () => {
    expect(set.evaluate('kill-switch', { targetingKey: 'acme' }, false)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(set.evaluateAll({ targetingKey: 'acme' })).not.toHaveProperty('kill-switch');
  });

  it('answers an unknown flag with the default, reason ERROR and FLAG_NOT_FOUND (never throws)', () => {
    expect(set.evaluate('no-such-flag', { targetingKey: 'acme' }, 'fallback')).toMatchObject({
      value: 'fallback',
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });

  it('evaluateAll gives every enabled flag for a tenant, static ones included', () => {
    expect(set.evaluateAll({ targetingKey: 'acme', plan: 'pro', region: 'eu-north-1' })).toEqual({
      'new-ui': true,
      'model-version': 'v2',
      rollout: set.evaluate('rollout', { targetingKey: 'acme' }).value,
      threshold: 0.7,
    });
  });

  it('lists which flags changed between two sets', () => {
    const next = FlagSet.fromDocument({ flags: { ...flags, threshold: { ...flags.threshold, defaultVariant: 'low' }, rollout: undefined } });
    expect(next.changedFlags(set).sort()).toEqual(['rollout', 'threshold']);
  });

  it('rejects a malformed document with one field path per problem, for every bad flag', () => {
    const bad = {
      flags: {
        good: flags.threshold,
        'bad-state': { state: 'ON', variants: { on: true }, defaultVariant: 'on' },
        'mixed-types': { state: 'ENABLED', variants: { on: true, off: 'no' }, defaultVariant: 'on' },
        'bad-default': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'maybe' },
        'bad-rule': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { frobnicate: [1] } },
        'no-variants': { state: 'ENABLED', defaultVariant: 'on' },
        'bad-ref': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { if: [{ $ref: 'missing' }, 'on'] } },
      },
      metadata: 'v2',
    };
    const { code, detail, errors } = issuesOf(() => FlagSet.fromDocument(bad, { source: 'mlaas.yaml' }));
    expect(code).toBe('CONFIG_INVALID');
    expect(detail).toBe('mlaas.yaml: 7 errors');
    expect(errors).toEqual([
      { path: 'metadata', message: 'expected object, got "v2"' },
      { path: 'flags.bad-state.state', message: 'expected one of "ENABLED", "DISABLED", got "ON"' },
      { path: 'flags.mixed-types.variants', message: expect.stringContaining('on: boolean, off: string') },
      { path: 'flags.bad-default.defaultVariant', message: 'expected one of the variants (on, off), got "maybe"' },
      { path: 'flags.bad-rule.targeting.frobnicate', message: 'unknown targeting operator "frobnicate"' },
      { path: 'flags.no-variants.variants', message: 'is required' },
      { path: 'flags.bad-ref.targeting', message: expect.stringContaining('a rule flagd can compile') },
    ]);
  });
});

describe('loadFlagSet', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads the inline form with shared $evaluators', async () => {
    const loaded = await loadFlagSet(
      {
        $evaluators: { isPro: { '==': [{ var: 'plan' }, 'pro'] } },
        'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'isPro' }, 'on'] } },
      },
      { baseDir: dir },
    );
    expect(loaded.evaluateAll({ targetingKey: 'acme', plan: 'pro' })).toEqual({ 'new-ui': true });
    expect(loaded.evaluateAll({ targetingKey: 'acme', plan: 'free' })).toEqual({ 'new-ui': false });
  });

  it('loads a flagd file relative to mlaas.yaml and names it in errors', async () => {
    fs.writeFileSync(path.join(dir, 'flags.json'), JSON.stringify({ flags: { threshold: flags.threshold } }));
    expect((await loadFlagSet({ file: 'flags.json' }, { baseDir: dir })).evaluateAll({ targetingKey: 'x' })).toEqual({ threshold: 0.7 });

    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'flags:\n  x: { state: ENABLED, variants: { a: 1 }, defaultVariant: b }\n');
    await expect(loadFlagSet({ file: 'bad.yaml' }, { baseDir: dir })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `${path.join(dir, 'bad.yaml')}: 1 error`,
      errors: [{ path: 'flags.x.defaultVariant', message: 'expected one of the variants (a), got "b"' }],
    });
    await expect(loadFlagSet({ file: 'missing.json' }, { baseDir: dir })).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });

  it('gives an empty set when mlaas.yaml has no flags', async () => {
    const empty = await loadFlagSet(undefined, { baseDir: dir });
    expect(empty.keys).toEqual([]);
    expect(empty.evaluateAll({ targetingKey: 'acme' })).toEqual({});
  });
});

import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagSet } from './flag-set.js';
import { FlagSetProvider } from './flag-set-provider.js';

const DOMAIN = 'mlaas-flag-set-provider-test';
const newUi = (defaultVariant: 'on' | 'off') => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant,
  targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'on'] },
});
const provider = new FlagSetProvider(FlagSet.fromDocument({ flags: { 'new-ui': newUi('off') } }));
const client = OpenFeature.getClient(DOMAIN);

describe('FlagSetProvider through the OpenFeature server SDK', () => {
  beforeAll(() => OpenFeature.setProviderAndWait(DOMAIN, provider));
  afterAll(() => OpenFeature.clearProviders());

  it('evaluates with the tenant as targetingKey and its attributes as context', async () => {
    expect(await client.getBooleanValue('new-ui', false, { targetingKey: 'acme', plan: 'pro' })).toBe(true);
    expect(await client.getBooleanValue('new-ui', true, { targetingKey: 'globex', plan: 'free' })).toBe(false);
  });

  it('never throws: an unknown flag gives the default with reason ERROR and FLAG_NOT_FOUND', async () => {
    const details = await client.getStringDetails('no-such-flag', 'fallback', { targetingKey: 'acme' });
    expect(details).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('gives the default with TYPE_MISMATCH when asked for the wrong type', async () => {
    const details = await client.getNumberDetails('new-ui', 7, { targetingKey: 'acme' });
    expect(details).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('applies a flag change to the next evaluation and announces the changed flags', async () => {
    const changed = new Promise<string[] | undefined>((resolve) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, (details) => resolve(details?.flagsChanged)),
    );
    provider.setFlags(FlagSet.fromDocument({ flags: { 'new-ui': newUi('on'), extra: { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' } } }));
    expect(await client.getBooleanValue('new-ui', false, { targetingKey: 'globex', plan: 'free' })).toBe(true);
    expect((await changed)?.sort()).toEqual(['extra', 'new-ui']);
  });
});

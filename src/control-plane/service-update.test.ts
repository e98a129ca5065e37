import { describe, expect, it } from 'vitest';
import { thrownIssues } from '../../test/thrown-issues.js';
import { ServiceSchema, type ServiceConfig } from '../config/index.js';
import { updatedServiceConfig } from './service-update.js';

const current: ServiceConfig = ServiceSchema.parse({ command: ['node', 'server.mjs', '--port-from-env'], env: { A: '1', B: '2' }, scaling: { minInstances: 0, maxInstances: 4, stableWindow: '10s' } });

describe('updatedServiceConfig (mlaas services update)', () => {
  it('sets, updates, removes and clears env vars as gcloud does', () => {
    expect(updatedServiceConfig('s', current, { setEnvVars: { C: '3' } }).env).toEqual({ C: '3' });
    expect(updatedServiceConfig('s', current, { updateEnvVars: { B: 'two', C: '3' }, removeEnvVars: ['A'] }).env).toEqual({ B: 'two', C: '3' });
    expect(updatedServiceConfig('s', current, { clearEnvVars: true, updateEnvVars: { Z: 'z' } }).env).toEqual({ Z: 'z' });
  });

  it('changes scaling, command and args, keeping the rest of the stored spec (durations stay in ms)', () => {
    const next = updatedServiceConfig('s', current, { minInstances: 1, maxInstances: 2, concurrency: 8, args: ['other.mjs'] });
    expect(next.scaling).toMatchObject({ minInstances: 1, maxInstances: 2, concurrency: 8, stableWindow: 10_000 });
    expect(next.command).toEqual(['node', 'other.mjs']);
    expect(updatedServiceConfig('s', current, { command: ['python', '-m', 'app'] }).command).toEqual(['python', '-m', 'app']);
    expect(updatedServiceConfig('s', current, { timeoutSeconds: 300 })).toMatchObject({ timeoutSeconds: 300 });
  });

  it('names the flag, not the spec field, in every error', () => {
    expect(thrownIssues(() => updatedServiceConfig('s', current, { minInstances: 2, maxInstances: 1 }))).toEqual(['--max-instances: must be ≥ --min-instances (2), got 1']);
    expect(thrownIssues(() => updatedServiceConfig('s', current, { updateEnvVars: { PORT: '1' } }))).toEqual([
      '--update-env-vars: PORT: "PORT" is reserved: mlaas sets PORT, K_SERVICE, K_REVISION, K_CONFIGURATION and MLAAS_* itself',
    ]);
    expect(thrownIssues(() => updatedServiceConfig('s', current, { setEnvVars: { X: '1' }, removeEnvVars: ['A'], timeoutSeconds: 0 }))).toEqual([
      '--set-env-vars: replaces every variable: not with --update-env-vars, --remove-env-vars or --clear-env-vars',
      '--timeout: expected a duration from 1s to 3600s in whole seconds, got 0s',
    ]);
    expect(thrownIssues(() => updatedServiceConfig('s', current, { concurrency: -1 }))).toEqual(['--concurrency: expected integer ≥ 0, got -1']);
  });
});

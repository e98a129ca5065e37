/**
 * mlaas.yaml's Knative revision and scaling settings: Knative's value rules,
 * each broken one reported by field path in Knative's words, all at once.
 */
import { describe, expect, it } from 'vitest';
import { MlaasError, type FieldIssue } from '../errors.js';
import { parseConfig } from './parse-config.js';

const at = { baseDir: '/srv/app', configPath: '/srv/app/mlaas.yaml', env: {} };

function serviceYaml(body: string): string {
  return `gateway: { document: api-gateway.yaml }\nservices:\n  x:\n    command: node server.js\n${body}`;
}

function issuesOf(body: string): FieldIssue[] {
  try {
    parseConfig(serviceYaml(body), at);
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    expect((err as MlaasError).code).toBe('CONFIG_INVALID');
    return (err as MlaasError).errors ?? [];
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('Knative settings in mlaas.yaml', () => {
  it('reads every setting, durations in ms', () => {
    const config = parseConfig(
      serviceYaml(`    timeoutSeconds: 600
    scaling:
      metric: rps
      panicWindowPercentage: 1
      panicThresholdPercentage: 1000
      activationScale: 3
      targetBurstCapacity: 0
      scaleToZeroPodRetentionPeriod: 1m
`),
      at,
    );
    expect(config.services.x?.timeoutSeconds).toBe(600);
    expect(config.services.x?.scaling).toMatchObject({
      metric: 'rps',
      panicWindowPercentage: 1,
      panicThresholdPercentage: 1000,
      activationScale: 3,
      targetBurstCapacity: 0,
      scaleToZeroPodRetentionPeriod: 60_000,
    });
  });

  it('leaves unset settings unset, so that revisions record only what the file says', () => {
    const service = parseConfig(serviceYaml(''), at).services.x;
    expect(service?.timeoutSeconds).toBeUndefined();
    for (const key of ['metric', 'panicWindowPercentage', 'panicThresholdPercentage', 'activationScale', 'targetBurstCapacity', 'scaleToZeroPodRetentionPeriod']) {
      expect(service?.scaling).not.toHaveProperty(key);
    }
  });

  it('reports every value outside Knative’s rules, by path', () => {
    const issues = issuesOf(`    timeoutSeconds: 0
    scaling:
      metric: cpu
      target: 0.001
      panicWindowPercentage: 0.5
      panicThresholdPercentage: 100
      activationScale: 0
      targetBurstCapacity: -2
      scaleToZeroPodRetentionPeriod: 2h
`);
    expect(issues).toEqual([
      { path: 'services.x.scaling.metric', message: 'expected one of "concurrency", "rps", got "cpu"' },
      { path: 'services.x.scaling.target', message: 'must be ≥ 0.01, got 0.001' },
      { path: 'services.x.scaling.panicWindowPercentage', message: 'must be ≥ 1, got 0.5' },
      { path: 'services.x.scaling.panicThresholdPercentage', message: 'must be ≥ 110, got 100' },
      { path: 'services.x.scaling.activationScale', message: 'must be ≥ 1, got 0' },
      { path: 'services.x.scaling.targetBurstCapacity', message: 'must be ≥ 0 or -1 (unlimited), got -2' },
      {
        path: 'services.x.scaling.scaleToZeroPodRetentionPeriod',
        message: 'expected a duration such as 30s, 500ms or 5m from 0s to 3600s, got "2h"',
      },
      { path: 'services.x.timeoutSeconds', message: 'must be > 0, got 0' },
    ]);
  });

  it('bounds timeoutSeconds by Knative’s max-revision-timeout-seconds and activationScale by maxInstances', () => {
    expect(issuesOf('    timeoutSeconds: 601\n    scaling: { maxInstances: 2, activationScale: 3 }\n')).toEqual([
      { path: 'services.x.scaling.activationScale', message: 'must be ≤ maxInstances (2), got 3' },
      { path: 'services.x.timeoutSeconds', message: 'must be ≤ 600, got 601' },
    ]);
    expect(issuesOf('    scaling: { panicThresholdPercentage: 1001, panicWindowPercentage: 101 }\n')).toEqual([
      { path: 'services.x.scaling.panicWindowPercentage', message: 'must be ≤ 100, got 101' },
      { path: 'services.x.scaling.panicThresholdPercentage', message: 'must be ≤ 1000, got 1001' },
    ]);
  });

  it('with metric rps, a target above the hard concurrency limit is allowed: they count different things', () => {
    expect(parseConfig(serviceYaml('    scaling: { metric: rps, concurrency: 10, target: 300 }\n'), at).services.x?.scaling.target).toBe(300);
    expect(issuesOf('    scaling: { concurrency: 10, target: 300 }\n')).toEqual([
      { path: 'services.x.scaling.target', message: 'must be ≤ concurrency (10), got 300' },
    ]);
  });
});

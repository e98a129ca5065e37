/**
 * Each mlaas setting with no Knative or Cloud Run equivalent is listed by
 * its mlaas.yaml path when the service uses it, and not when it keeps the
 * value the target has anyway.
 */
import { describe, expect, it } from 'vitest';
import type { ExportTarget } from './export-types.js';
import { SCALING_ANNOTATIONS } from './knative-annotations.js';
import { unsupportedFeatures } from './service-unsupported-features.js';
import { parseConfig, type ServiceConfig } from '../config/index.js';

function service(body: string): ServiceConfig {
  const text = `gateway: { document: api-gateway.yaml }\nservices:\n  svc:\n    command: node server.js\n${body}`;
  return parseConfig(text, { baseDir: '/srv/app', configPath: '/srv/app/mlaas.yaml', env: {} }).services['svc'] as ServiceConfig;
}

function listed(body: string, target: ExportTarget): string[] {
  return unsupportedFeatures('svc', service(body), target).map((u) => u.path);
}

describe('settings not carried over', () => {
  it('lists nothing for a service that keeps every default (and pins its model versions)', () => {
    expect(listed('    models: { m: spam@3 }\n', 'knative')).toEqual([]);
    expect(listed('    scaling: { concurrency: 80 }\n', 'cloudrun')).toEqual([]);
  });

  it('scaling.scaleToZeroAfter: Knative sets it only cluster-wide, Cloud Run not at all', () => {
    for (const target of ['knative', 'cloudrun'] as const) {
      expect(listed('    scaling: { scaleToZeroAfter: 2m, concurrency: 10 }\n', target)).toEqual(['services.svc.scaling.scaleToZeroAfter']);
    }
    expect(listed('    scaling: { scaleToZeroAfter: 30s }\n', 'knative')).toEqual([]);
  });

  it('scaling.stableWindow and scaleDownDelay below whole seconds: Knative takes seconds only', () => {
    expect(listed('    scaling: { stableWindow: 6500ms, scaleDownDelay: 1500ms }\n', 'knative')).toEqual([
      'services.svc.scaling.stableWindow',
      'services.svc.scaling.scaleDownDelay',
    ]);
    expect(listed('    scaling: { stableWindow: 7s, scaleDownDelay: 2s }\n', 'knative')).toEqual([]);
  });

  it('scaling.initialInstances 0: Knative takes it only where the cluster allows it', () => {
    expect(listed('    scaling: { initialInstances: 0 }\n', 'knative')).toEqual(['services.svc.scaling.initialInstances']);
    expect(listed('    scaling: { initialInstances: 2 }\n', 'knative')).toEqual([]);
  });

  it('on Cloud Run, every autoscaling setting beyond min and max scale', () => {
    const values: Record<string, string> = {
      initialInstances: '2',
      metric: 'rps',
      target: '5',
      utilization: '50',
      stableWindow: '2m',
      panicWindowPercentage: '20',
      panicThresholdPercentage: '300',
      activationScale: '2',
      targetBurstCapacity: '-1',
      scaleToZeroPodRetentionPeriod: '10s',
      scaleDownDelay: '5s',
    };
    for (const entry of SCALING_ANNOTATIONS.filter((e) => !e.cloudRun)) {
      const value = values[entry.field];
      expect(value, entry.field).toBeDefined();
      expect(listed(`    scaling: { concurrency: 10, ${entry.field}: ${value as string} }\n`, 'cloudrun'), entry.field).toEqual([`services.svc.scaling.${entry.field}`]);
      expect(listed(`    scaling: { concurrency: 10, ${entry.field}: ${value as string} }\n`, 'knative'), entry.field).toEqual([]);
    }
    expect(listed('    scaling: { minInstances: 1, maxInstances: 30, concurrency: 10 }\n', 'cloudrun')).toEqual([]);
  });

  it('scaling.concurrency 0 (no limit) or above 1000 on Cloud Run', () => {
    expect(listed('    scaling: { concurrency: 0 }\n', 'cloudrun')).toEqual(['services.svc.scaling.concurrency']);
    expect(listed('    scaling: { concurrency: 1001 }\n', 'cloudrun')).toEqual(['services.svc.scaling.concurrency']);
    expect(listed('    scaling: { concurrency: 0 }\n', 'knative')).toEqual([]);
  });

  it('drainTimeoutSeconds other than 10', () => {
    for (const target of ['knative', 'cloudrun'] as const) {
      expect(listed('    drainTimeoutSeconds: 25\n    scaling: { concurrency: 10 }\n', target)).toEqual(['services.svc.drainTimeoutSeconds']);
    }
  });

  it('readiness.timeoutSeconds: Knative has no per-instance deadline; Cloud Run’s startup probe counts whole seconds up to 240', () => {
    expect(listed('    readiness: { timeoutSeconds: 60 }\n', 'knative')).toEqual(['services.svc.readiness.timeoutSeconds']);
    expect(listed('    readiness: { timeoutSeconds: 60 }\n    scaling: { concurrency: 10 }\n', 'cloudrun')).toEqual([]);
    expect(listed('    readiness: { timeoutSeconds: 2.5 }\n    scaling: { concurrency: 10 }\n', 'cloudrun')).toEqual(['services.svc.readiness.timeoutSeconds']);
    expect(listed('    readiness: { timeoutSeconds: 300 }\n    scaling: { concurrency: 10 }\n', 'cloudrun')).toEqual(['services.svc.readiness.timeoutSeconds']);
  });

  it('env.inherit', () => {
    expect(listed('    env: { inherit: [HOME_DIR] }\n', 'knative')).toEqual(['services.svc.env.inherit']);
  });

  it('overridable', () => {
    expect(listed('    overridable: [threshold]\n', 'knative')).toEqual(['services.svc.overridable']);
  });

  it('a model by alias or latest: the image holds the version it named at export', () => {
    expect(listed('    models: { a: spam@production, b: spam, c: spam@4 }\n', 'knative')).toEqual(['services.svc.models.a', 'services.svc.models.b']);
  });

  it('traffic.sticky, tenantTags, flagTag and mirror', () => {
    const traffic = `    traffic:
      targets: [{ latestRevision: true, tag: next }]
      sticky: true
      tenantTags: { acme: next }
      flagTag: beta
      mirror: { tag: next, percent: 5 }
`;
    expect(listed(traffic, 'knative')).toEqual(['services.svc.traffic.sticky', 'services.svc.traffic.tenantTags', 'services.svc.traffic.flagTag', 'services.svc.traffic.mirror']);
    expect(listed('    traffic: { targets: [{ latestRevision: true }] }\n', 'knative')).toEqual([]);
  });
});

/**
 * The Knative settings a revision records (timeoutSeconds and the newer
 * scaling settings), and revisions recorded before they existed: such a
 * revision still starts, gets Knative's defaults, and counts as the same spec
 * as an unchanged mlaas.yaml, so `mlaas up` does not redeploy it.
 */
import { describe, expect, it } from 'vitest';
import { resolveDeciderConfig } from '../autoscaler/index.js';
import { parseConfig, type ServiceConfig } from '../config/index.js';
import { FakeStateStore } from '../state/fake-state-store.js';
import { revisionScaling } from './revision-scaling.js';
import { instanceSpecOf, revisionSpecOf, sameRevisionSpec } from './revision-spec.js';

const ARTIFACT = { digest: 'sha256:abc', dir: '/srv/build', kind: 'node', env: {} };

function serviceOf(extra: string): ServiceConfig {
  const text = `gateway: { document: gw.yaml }\nservices:\n  spam:\n    command: [node, server.js]\n${extra}`;
  const service = parseConfig(text, { baseDir: '/srv', configPath: '/srv/mlaas.yaml', env: {} }).services.spam;
  if (service === undefined) throw new Error('no service');
  return service;
}

/** What the mlaas before these settings recorded for the service above: every field it knew, none of the new ones. */
const OLD_SPEC = {
  artifact: ARTIFACT,
  command: ['node', 'server.js'],
  env: {},
  models: {},
  scaling: {
    minInstances: 0,
    maxInstances: 10,
    initialInstances: 1,
    concurrency: 0,
    utilization: 70,
    stableWindow: 60_000,
    scaleToZeroAfter: 30_000,
    scaleDownDelay: 0,
  },
  readiness: { path: '/healthz', timeoutSeconds: 30 },
  drainTimeoutSeconds: 10,
};

describe('a revision recorded before the Knative settings existed', () => {
  const old = new FakeStateStore().createRevision('spam', OLD_SPEC);

  it('is the same spec as the unchanged service, so `mlaas up` keeps it', () => {
    expect(sameRevisionSpec(old, serviceOf(''), { digest: ARTIFACT.digest }, {})).toBe(true);
  });

  it('is not the same once the file sets one of them', () => {
    for (const extra of ['    timeoutSeconds: 60\n', '    scaling: { metric: rps }\n', '    scaling: { targetBurstCapacity: 0 }\n']) {
      expect(sameRevisionSpec(old, serviceOf(extra), { digest: ARTIFACT.digest }, {})).toBe(false);
    }
  });

  it('still starts, and scales and times out with Knative’s defaults', () => {
    expect(instanceSpecOf(old, () => '/unused')).toMatchObject({ command: ['node', 'server.js'], cwd: '/srv/build' });
    const scaling = revisionScaling(old);
    expect(scaling.timeoutMs).toBe(300_000);
    expect(resolveDeciderConfig(scaling.decider)).toMatchObject({
      metric: 'concurrency',
      target: 100,
      panicWindowPercentage: 10,
      panicThreshold: 200,
      activationScale: 1,
      targetBurstCapacity: 200,
      scaleToZeroPodRetentionMs: 0,
    });
  });
});

describe('a revision made with the Knative settings', () => {
  it('records them and hands them to the decider and the gateway', () => {
    const service = serviceOf(`    timeoutSeconds: 45
    scaling:
      metric: rps
      target: 50
      panicWindowPercentage: 20
      panicThresholdPercentage: 150
      activationScale: 2
      targetBurstCapacity: -1
      scaleToZeroPodRetentionPeriod: 90s
`);
    const rev = new FakeStateStore().createRevision('spam', revisionSpecOf(service, ARTIFACT, {}));
    expect(rev.spec).toMatchObject({ timeoutSeconds: 45, scaling: { metric: 'rps', scaleToZeroPodRetentionPeriod: 90_000 } });
    const scaling = revisionScaling(rev);
    expect(scaling.timeoutMs).toBe(45_000);
    expect(resolveDeciderConfig(scaling.decider)).toMatchObject({
      metric: 'rps',
      target: 50,
      targetValue: 35,
      panicWindowMs: 12_000,
      panicThreshold: 150,
      activationScale: 2,
      targetBurstCapacity: -1,
      scaleToZeroPodRetentionMs: 90_000,
    });
    expect(sameRevisionSpec(rev, service, { digest: ARTIFACT.digest }, {})).toBe(true);
  });
});

/**
 * Services to export in the manifest tests: ServiceConfigs read from
 * mlaas.yaml text as the platform reads them (defaults applied, source
 * absolute), covering every setting, and the ExportedService around each.
 */
import path from 'node:path';
import { parseConfig, type ServiceConfig } from '../src/config/index.js';
import type { ExportedService, ExportOptions } from '../src/export/export-types.js';

export const BASE_DIR = '/srv/app';
/** Where the exported YAML lives: DIR/services. */
export const YAML_DIR = '/srv/out/services';

export const KNATIVE: ExportOptions = { target: 'knative', registry: 'gcr.io/PROJECT_ID', namespace: 'default', region: 'europe-west1' };
export const CLOUD_RUN: ExportOptions = { ...KNATIVE, target: 'cloudrun' };

/** mlaas.yaml `services:` entries by name. */
export const SERVICES: Record<string, string> = {
  minimal: `command: node server.js`,
  'spam-filter': `source: examples/spam-filter
    command: [node, dist/server.js]
    env: { LOG_LEVEL: info }
    models: { classifier: spam@production }
    scaling: { minInstances: 1 }
    readiness: { path: /healthz, timeoutSeconds: 30 }
    drainTimeoutSeconds: 10`,
  everything: `source: svc
    command: [python, -m, app, --greeting, 'cost $(X) and $$$$5']
    env: { A: '1', B: 'two words', inherit: [HOME_DIR, GREETING] }
    models: { classifier: spam@3, ranker: rank@production }
    scaling:
      minInstances: 2
      maxInstances: 8
      initialInstances: 3
      concurrency: 20
      metric: rps
      target: 50
      utilization: 80
      stableWindow: 2m
      panicWindowPercentage: 20
      panicThresholdPercentage: 300
      activationScale: 4
      targetBurstCapacity: -1
      scaleToZeroAfter: 45s
      scaleToZeroPodRetentionPeriod: 1500ms
      scaleDownDelay: 30s
    readiness: { path: /ready, timeoutSeconds: 12 }
    drainTimeoutSeconds: 5
    timeoutSeconds: 120
    overridable: [threshold, language]
    traffic:
      targets:
        - { revisionName: everything-00002, percent: 90, tag: stable }
        - { latestRevision: true, percent: 10, tag: next }
      sticky: true
      tenantTags: { acme: next }
      flagTag: canary-tag
      mirror: { tag: next, percent: 5 }`,
  inference: `runtime: onnx
    models: { spam: spam@production }
    onnx: { maxBatchSize: 16, maxQueueDelayMs: 3, padding: { indices: 0 } }
    scaling: { minInstances: 1, activationScale: 1, concurrency: 1000 }`,
};

export function serviceConfig(name: string): ServiceConfig {
  const body = SERVICES[name] as string;
  const text = `gateway: { document: api-gateway.yaml }\nservices:\n  ${name}:\n    ${body}\n`;
  return parseConfig(text, { baseDir: BASE_DIR, configPath: `${BASE_DIR}/mlaas.yaml`, env: {} }).services[name] as ServiceConfig;
}

export function exportedService(name: string, config: ServiceConfig = serviceConfig(name)): ExportedService {
  return {
    name,
    config,
    imageKind: config.runtime === 'onnx' ? 'onnx' : 'node',
    image: `gcr.io/PROJECT_ID/${name}:0123456789ab`,
    ...(config.traffic === undefined ? {} : { traffic: config.traffic.targets }),
    models: Object.entries(config.models).map(([model, ref], i) => ({
      name: model,
      ref,
      model: ref.split('@')[0] as string,
      version: i + 3,
      digest: `sha256:${'0'.repeat(64)}`,
      localPath: `/srv/app/.mlaas/models/${model}.onnx`,
      contextPath: `models/${model}.onnx`,
    })),
  };
}

/** `mlaas.dev/source` as the round trip writes it: the real source, relative to the YAML's directory. */
export function placementOf(config: ServiceConfig): { source: string } {
  return { source: path.posix.relative(YAML_DIR, config.source) };
}

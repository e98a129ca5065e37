/**
 * One exported service as a Knative Service (`serving.knative.dev/v1`), in
 * Knative's own form or in Cloud Run's where they differ (min/max scale in
 * camelCase, the region label, a startup probe, containerConcurrency within
 * 1–1000), as `gcloud run services replace` takes it. What the target has no
 * field for travels in `mlaas.dev/*` annotations (import reads them back) and
 * is listed as not carried over. Deterministic: same service → same bytes.
 */
import YAML from 'yaml';
import { modelEnvVar } from '../runtime/model-env-var.js';
import { onnxServerEnv } from '../serving/onnx-server-env.js';
import type { ExportedService, ExportOptions, Rendered, UnsupportedFeature } from './export-types.js';
import {
  CLASS_ANNOTATION,
  CONTAINER_PORT,
  KPA_CLASS,
  MLAAS,
  MODEL_ANNOTATION_PREFIX,
  SCALING_ANNOTATIONS,
  annotationKey,
  annotationText,
  carriedKey,
  goDuration,
  knativeTakesActivationScale,
} from './knative-annotations.js';
import { CLOUD_RUN_MAX_CONCURRENCY, CLOUD_RUN_MAX_STARTUP_SECONDS, unsupportedFeatures } from './service-unsupported-features.js';

export type KnativeObject = Record<string, unknown>;

export interface RenderedKnativeService {
  object: KnativeObject;
  yaml: string;
  unsupported: UnsupportedFeature[];
}

export interface ManifestPlacement {
  /** `mlaas.dev/source`: the service's source directory relative to the YAML file's own directory, posix. */
  source: string;
}

/** Where the service YAML goes under DIR. */
export function serviceManifestPath(name: string): string {
  return `services/${name}.yaml`;
}

/** The source as seen from `services/<name>.yaml`: the build context holds the copy of it. */
export function defaultPlacement(name: string): ManifestPlacement {
  return { source: `../build/${name}` };
}

/** Kubernetes expands `$(VAR)` in env values and commands and reads `$$` as `$`: every `$` doubled, mlaas's text arrives as written. */
export function escapeDollars(text: string): string {
  return text.replaceAll('$', '$$$$');
}

/** JSON with sorted keys, so that an annotation's bytes depend only on its value. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function renderKnativeService(service: ExportedService, options: ExportOptions, placement: ManifestPlacement = defaultPlacement(service.name)): RenderedKnativeService {
  const { config } = service;
  const cloudRun = options.target === 'cloudrun';
  const template: Record<string, string> = {};
  if (!cloudRun) template[CLASS_ANNOTATION] = KPA_CLASS;
  for (const entry of SCALING_ANNOTATIONS) {
    const value = config.scaling[entry.field];
    if (value === undefined) continue;
    const exact = entry.value === 'duration' || entry.value === 'seconds-duration' ? goDuration(value as number) : String(value);
    if (cloudRun && !entry.cloudRun) template[carriedKey(entry)] = exact;
    else if (entry.field === 'activationScale' && !knativeTakesActivationScale(config.scaling)) template[carriedKey(entry)] = exact;
    else template[annotationKey(entry, options.target)] = annotationText(entry, value).text;
  }
  for (const [model, ref] of Object.entries(config.models)) template[`${MODEL_ANNOTATION_PREFIX}${model}`] = ref;
  if (config.runtime === 'onnx') template[MLAAS.runtime] = 'onnx';
  if (config.onnx !== undefined) template[MLAAS.onnx] = stableJson(config.onnx);
  template[MLAAS.drainTimeoutSeconds] = String(config.drainTimeoutSeconds);
  template[MLAAS.readinessTimeoutSeconds] = String(config.readiness.timeoutSeconds);
  template[MLAAS.scaleToZeroAfter] = goDuration(config.scaling.scaleToZeroAfter);
  if (config.inheritEnv.length > 0) template[MLAAS.envInherit] = config.inheritEnv.join(',');
  if (config.overridable.length > 0) template[MLAAS.overridable] = JSON.stringify(config.overridable);

  let concurrency = config.scaling.concurrency;
  if (cloudRun && (concurrency === 0 || concurrency > CLOUD_RUN_MAX_CONCURRENCY)) {
    template[MLAAS.concurrency] = String(concurrency);
    concurrency = CLOUD_RUN_MAX_CONCURRENCY;
  }

  const metadata: KnativeObject = { name: service.name };
  if (!cloudRun) metadata['namespace'] = options.namespace;
  if (cloudRun) metadata['labels'] = { 'cloud.googleapis.com/location': options.region };
  const serviceAnnotations: Record<string, string> = { [MLAAS.source]: placement.source };
  const traffic = config.traffic;
  const routing = traffic === undefined ? {} : { ...(traffic.sticky ? { sticky: true } : {}), ...pick(traffic, ['tenantTags', 'flagTag', 'mirror']) };
  if (Object.keys(routing).length > 0) serviceAnnotations[MLAAS.traffic] = stableJson(routing);
  metadata['annotations'] = sorted(serviceAnnotations);

  const spec: KnativeObject = {
    template: {
      metadata: { ...(service.revisionName === undefined ? {} : { name: service.revisionName }), annotations: sorted(template) },
      spec: {
        containerConcurrency: concurrency,
        ...(config.timeoutSeconds === undefined ? {} : { timeoutSeconds: config.timeoutSeconds }),
        containers: [containerOf(service, cloudRun)],
      },
    },
  };
  const targets = service.traffic ?? traffic?.targets;
  if (targets !== undefined) spec['traffic'] = targets.map((t) => ({ ...t }));

  const object: KnativeObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata, spec };
  return { object, yaml: YAML.stringify(object, { lineWidth: 0 }), unsupported: unsupportedFeatures(service.name, config, options.target) };
}

/** Every service's YAML under `services/`, and everything none of them carries over. */
export function renderServiceManifests(services: readonly ExportedService[], options: ExportOptions): Rendered {
  const rendered: Rendered = { files: [], unsupported: [] };
  for (const service of [...services].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const { yaml, unsupported } = renderKnativeService(service, options);
    rendered.files.push({ path: serviceManifestPath(service.name), content: yaml });
    rendered.unsupported.push(...unsupported);
  }
  return rendered;
}

function containerOf(service: ExportedService, cloudRun: boolean): KnativeObject {
  const { config } = service;
  const env: Record<string, string> = { ...config.env };
  for (const model of Object.keys(config.models)) env[modelEnvVar(model)] = `/app/models/${model}.onnx`;
  if (config.runtime === 'onnx') {
    const versions = Object.fromEntries(service.models.map((m) => [m.name, m.version]));
    Object.assign(env, onnxServerEnv(config.onnx, versions));
  }
  const container: KnativeObject = { image: service.image };
  if (config.command !== undefined) container['command'] = config.command.map(escapeDollars);
  container['ports'] = [{ name: 'http1', containerPort: CONTAINER_PORT }];
  const names = Object.keys(env).sort();
  if (names.length > 0) container['env'] = names.map((name) => ({ name, value: escapeDollars(env[name] as string) }));
  const { path, timeoutSeconds } = config.readiness;
  if (cloudRun) {
    container['startupProbe'] = {
      httpGet: { path, port: CONTAINER_PORT },
      periodSeconds: 1,
      timeoutSeconds: 1,
      failureThreshold: Math.min(Math.ceil(timeoutSeconds), CLOUD_RUN_MAX_STARTUP_SECONDS),
    };
  } else {
    container['readinessProbe'] = { httpGet: { path } };
  }
  return container;
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}

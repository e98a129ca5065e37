/**
 * A Knative Service document (what mlaas export writes, or what `gcloud run
 * services describe --format export` writes) → the mlaas.yaml `services.S`
 * input of that one service, or every field mlaas cannot take, each by its
 * Knative path (`spec.template.spec.containers[0].volumeMounts: not
 * supported by mlaas …`), collected, not thrown one by one. The template's
 * annotations are read by import-template-annotations.ts; the result is
 * then parsed by ServiceSchema (read-knative-service.ts).
 */
import path from 'node:path';
import type { FieldIssue } from '../errors.js';
import { DNS_LABEL } from '../api/schema-fields.js';
import { BEHAVIOUR_LABELS, BEHAVIOUR_PREFIXES, MATCHING_VALUES, MEANINGLESS_ANNOTATIONS, META_KEYS } from './knative-fields.js';
import { MLAAS } from './knative-annotations.js';
import { importContainer } from './import-container.js';
import { importTemplateAnnotations } from './import-template-annotations.js';
import { Issues, isMap, type Origins } from './import-issues.js';

export interface ImportedService {
  name: string;
  /** `services.S` as mlaas.yaml would say it, `source` absolute. */
  input: Record<string, unknown>;
  /** mlaas field path (`scaling.stableWindow`) → the Knative path it came from, for ServiceSchema's issues. */
  origins: Origins;
  /** `spec.template.metadata.name`: the revision this template must make or be (checked against the store at plan time). */
  revisionName?: string;
}

export type ImportResult = ({ ok: true } & ImportedService) | { ok: false; issues: FieldIssue[] };

export const KNATIVE_API_VERSION = 'serving.knative.dev/v1';

/** True for a document whose top level says it is a Knative Service. */
export function isKnativeService(doc: unknown): boolean {
  return isMap(doc) && doc['apiVersion'] === KNATIVE_API_VERSION && doc['kind'] === 'Service';
}

export function importKnativeService(doc: unknown, yamlFileDir: string): ImportResult {
  const issues = new Issues();
  if (!isKnativeService(doc) || !isMap(doc)) {
    issues.add('apiVersion', `expected apiVersion ${KNATIVE_API_VERSION} and kind Service, got ${String(isMap(doc) ? doc['apiVersion'] : doc)}`);
    return { ok: false, issues: issues.list };
  }
  issues.onlyKeys(doc, '', new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']), 'not part of a Knative Service');
  const metadata = issues.map(doc['metadata'], 'metadata');
  const name = metadata['name'];
  if (typeof name !== 'string' || !DNS_LABEL.test(name)) issues.add('metadata.name', `expected a service name (DNS label), got ${JSON.stringify(name)}`);
  issues.onlyKeys(metadata, 'metadata', META_KEYS, 'not supported by mlaas');
  labels(issues, metadata['labels'], 'metadata.labels');
  const serviceAnnotations = issues.stringMap(metadata['annotations'], 'metadata.annotations');
  if (serviceAnnotations[MLAAS.role] === 'gateway') {
    const why = "this is mlaas's own gateway as a Knative Service, for a cluster: a platform is its own gateway, so it has nothing to apply; apply the services' files";
    return { ok: false, issues: [{ path: `metadata.annotations.${MLAAS.role}`, message: why }] };
  }
  const input: Record<string, unknown> = {};
  const origins: Origins = new Map();
  let routing: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(serviceAnnotations)) {
    const at = `metadata.annotations.${key}`;
    if (key === MLAAS.source) {
      input['source'] = path.resolve(yamlFileDir, value);
      origins.set('source', at);
    } else if (key === MLAAS.traffic) {
      routing = issues.json(value, at, isMap) ?? {};
      origins.set('traffic', at);
    } else {
      otherAnnotation(issues, key, value, at);
    }
  }

  const spec = issues.map(doc['spec'], 'spec');
  issues.onlyKeys(spec, 'spec', new Set(['template', 'traffic']), 'not supported by mlaas');
  const template = issues.map(spec['template'], 'spec.template');
  issues.onlyKeys(template, 'spec.template', new Set(['metadata', 'spec']), 'not supported by mlaas');
  const templateMeta = issues.map(template['metadata'] ?? {}, 'spec.template.metadata');
  issues.onlyKeys(templateMeta, 'spec.template.metadata', new Set(['name', 'annotations', 'labels', 'creationTimestamp']), 'not supported by mlaas');
  const revisionName = templateMeta['name'];
  if (revisionName !== undefined && (typeof name !== 'string' || typeof revisionName !== 'string' || !new RegExp(`^${name}-\\d{5}$`).test(revisionName))) {
    issues.add('spec.template.metadata.name', `mlaas names revisions ${String(name)}-NNNNN itself, in order; got ${JSON.stringify(revisionName)}`);
  }
  labels(issues, templateMeta['labels'], 'spec.template.metadata.labels');
  const annotations = issues.stringMap(templateMeta['annotations'], 'spec.template.metadata.annotations');
  const settings = importTemplateAnnotations(annotations, issues, origins, otherAnnotation);
  Object.assign(input, settings.input);

  const podSpec = issues.map(template['spec'], 'spec.template.spec');
  const podAt = 'spec.template.spec';
  for (const key of Object.keys(podSpec)) {
    // Knative's defaulting writes enableServiceLinks: false, which is mlaas's way: no other service's address in the env.
    if (key === 'enableServiceLinks' && podSpec[key] === false) continue;
    if (!['containers', 'containerConcurrency', 'timeoutSeconds'].includes(key)) issues.add(`${podAt}.${key}`, 'not supported by mlaas');
  }
  const concurrency = podSpec['containerConcurrency'];
  if (concurrency !== undefined) {
    const carried = settings.carriedConcurrency;
    if (carried !== undefined && concurrency !== 1000) {
      issues.add(`${podAt}.containerConcurrency`, `expected 1000 beside annotations.${MLAAS.concurrency} (Cloud Run's bound for ${carried}), got ${String(concurrency)}`);
    }
    (input['scaling'] as Record<string, unknown>)['concurrency'] = carried ?? concurrency;
    origins.set('scaling.concurrency', `${podAt}.containerConcurrency`);
  }
  if (podSpec['timeoutSeconds'] !== undefined) {
    input['timeoutSeconds'] = podSpec['timeoutSeconds'];
    origins.set('timeoutSeconds', `${podAt}.timeoutSeconds`);
  }
  const containers = podSpec['containers'];
  if (!Array.isArray(containers) || containers.length !== 1) {
    issues.add(`${podAt}.containers`, `expected one container (mlaas runs one process per instance), got ${Array.isArray(containers) ? containers.length : 'none'}`);
  } else {
    const onnx = input['runtime'] === 'onnx';
    const container = importContainer(containers[0], `${podAt}.containers[0]`, issues, origins, {
      models: Object.keys((input['models'] as Record<string, string> | undefined) ?? {}),
      onnx: onnx ? ((input['onnx'] as Record<string, unknown> | undefined) ?? null) : undefined,
      readinessTimeoutSeconds: settings.readinessTimeoutSeconds,
    });
    if (input['source'] === undefined && !onnx) {
      issues.add(
        `${podAt}.containers[0].image`,
        `mlaas runs a service from its source, not from an image (there is no container engine): add metadata.annotations.${MLAAS.source}, the source directory relative to this file`,
      );
    }
    const { env, ...rest } = container;
    input['env'] = { ...env, ...((input['env'] as Record<string, unknown> | undefined) ?? {}) };
    Object.assign(input, rest);
  }
  const traffic = spec['traffic'];
  if (traffic !== undefined) input['traffic'] = { targets: trafficTargets(traffic, issues), ...routing };
  else if (Object.keys(routing).length > 0) issues.add(`metadata.annotations.${MLAAS.traffic}`, 'mlaas routing needs spec.traffic targets beside it');
  if (input['source'] === undefined) input['source'] = yamlFileDir;
  // Where a setting that is missing belongs, for ServiceSchema's "expected …, got none".
  for (const [field, at] of [
    ['command', `${podAt}.containers[0].command`],
    ['models', 'spec.template.metadata.annotations'],
    ['onnx', `spec.template.metadata.annotations.${MLAAS.onnx}`],
  ] as const) {
    if (!origins.has(field)) origins.set(field, at);
  }
  if (issues.list.length > 0) return { ok: false, issues: issues.list };
  return { ok: true, name: name as string, input, origins, ...(typeof revisionName === 'string' ? { revisionName } : {}) };
}

/** An annotation outside the settings: metadata accepted, a matching value accepted, anything with behaviour refused. */
function otherAnnotation(issues: Issues, key: string, value: string, at: string): void {
  if (MEANINGLESS_ANNOTATIONS.has(key)) return;
  const matching = MATCHING_VALUES[key];
  if (matching !== undefined) {
    if (value !== matching.value) issues.add(at, `mlaas supports only ${matching.value} (${matching.why}), got ${JSON.stringify(value)}`);
    return;
  }
  if (BEHAVIOUR_PREFIXES.some((p) => key.startsWith(p))) issues.add(at, 'not supported by mlaas');
}

function labels(issues: Issues, value: unknown, at: string): void {
  for (const key of Object.keys(issues.stringMap(value, at))) {
    if (BEHAVIOUR_LABELS.has(key)) issues.add(`${at}.${key}`, 'not supported by mlaas: a service is reached through the gateway document');
  }
}

function trafficTargets(value: unknown, issues: Issues): Array<Record<string, unknown>> {
  if (!Array.isArray(value)) {
    issues.add('spec.traffic', 'expected a list of traffic targets');
    return [];
  }
  return value.map((raw, i) => {
    const at = `spec.traffic[${i}]`;
    const target = issues.map(raw, at);
    issues.onlyKeys(target, at, new Set(['revisionName', 'latestRevision', 'tag', 'percent']), 'not supported by mlaas');
    return { ...target };
  });
}

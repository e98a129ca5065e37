/**
 * Checks a Knative Service object against Knative Serving's CRD schema
 * (../shared/schemas/knative-serving-service-crd.yaml, read at test time):
 * ajv for what the schema refuses, and a walk for what Kubernetes would
 * silently prune (a field neither declared nor under
 * x-kubernetes-preserve-unknown-fields), which ajv alone would let pass.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { REPO } from './e2e/spam-model.js';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
};

const crd = YAML.parse(readFileSync(path.join(REPO, '..', 'shared', 'schemas', 'knative-serving-service-crd.yaml'), 'utf8')) as {
  spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> };
};
const schema = crd.spec.versions[0]?.schema.openAPIV3Schema as Schema;
// The CRD speaks OpenAPI v3 with Kubernetes' x- keywords and int32/int64 formats, which are no JSON Schema vocabulary.
const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(schema);

/** ajv's errors, as `path message` lines; empty when the object is valid. */
export function crdErrors(object: unknown): string[] {
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Paths of the fields the API server would drop. ObjectMeta (top-level `metadata`) is the API server's own and never pruned. */
export function prunedFields(object: unknown): string[] {
  const out: string[] = [];
  walk(object, schema, '', out);
  return out.filter((p) => !p.startsWith('.metadata.'));
}

function walk(value: unknown, at: Schema, where: string, out: string[]): void {
  if (at['x-kubernetes-preserve-unknown-fields'] === true && at.properties === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, at.items ?? {}, `${where}[${i}]`, out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const declared = at.properties?.[key];
    if (declared !== undefined) walk(child, declared, `${where}.${key}`, out);
    else if (typeof at.additionalProperties === 'object') walk(child, at.additionalProperties, `${where}.${key}`, out);
    else if (at.additionalProperties !== true && at['x-kubernetes-preserve-unknown-fields'] !== true) out.push(`${where}.${key}`);
  }
}

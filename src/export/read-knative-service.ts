/**
 * A Knative Service document → the ServiceConfig mlaas runs it as: import
 * (import-knative-service.ts), then ServiceSchema with mlaas's defaults and
 * value rules, whose problems are reported at the Knative path the value
 * came from (`spec.template.metadata.annotations.autoscaling.knative.dev/window`).
 */
import type { FieldIssue } from '../errors.js';
import { ServiceSchema, type ServiceConfig } from '../config/index.js';
import { describeIssue, fieldIssuesOf } from '../api/zod-issues.js';
import { importKnativeService } from './import-knative-service.js';
import type { Origins } from './import-issues.js';

export type ReadResult = { ok: true; name: string; config: ServiceConfig; revisionName?: string } | { ok: false; issues: FieldIssue[] };

export function readKnativeService(doc: unknown, yamlFileDir: string): ReadResult {
  const imported = importKnativeService(doc, yamlFileDir);
  if (!imported.ok) return imported;
  const parsed = ServiceSchema.safeParse(imported.input, { error: describeIssue, reportInput: true });
  if (!parsed.success) {
    return { ok: false, issues: fieldIssuesOf(parsed.error).map((i) => ({ path: knativePath(i.path, imported.origins), message: i.message })) };
  }
  return { ok: true, name: imported.name, config: parsed.data, ...(imported.revisionName === undefined ? {} : { revisionName: imported.revisionName }) };
}

/** The Knative path of an mlaas field path: its own origin, else its nearest parent's, else the template. */
function knativePath(mlaasPath: string, origins: Origins): string {
  for (let p = mlaasPath; p !== ''; p = p.replace(/(\.[^.[]*|\[\d+\])$/, '')) {
    const origin = origins.get(p);
    if (origin !== undefined) return origin;
    if (!/[.[]/.test(p)) break;
  }
  return `spec.template (${mlaasPath})`;
}

/**
 * `mlaas apply -f service.yaml` of a Knative Service (as mlaas export or
 * `gcloud run services describe --format export` writes it): the file read
 * as a declaration of that one service, like `gcloud run services replace`
 * — its spec, a revision when that changed, its traffic when given — with
 * the gateway document served kept and nothing else declared, so that
 * plan and apply touch no other resource. A file mlaas cannot take
 * entirely is refused with every problem at its Knative path.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MlaasConfigSchema, type GatewayDocument, type LoadedConfig } from '../config/index.js';
import { parseYaml } from '../config/parse-yaml.js';
import { readConfigFile } from '../config/read-config-file.js';
import { MlaasError, type FieldIssue } from '../errors.js';
import type { RevisionRecord } from '../api/index.js';
import { revisionName } from '../state/revision-name.js';
import { MLAAS } from '../export/knative-annotations.js';
import { isKnativeService } from '../export/import-knative-service.js';
import { readKnativeService } from '../export/read-knative-service.js';

/** The parsed file when its top level is a Knative Service (`apiVersion: serving.knative.dev/v1`, `kind: Service`), else undefined. */
export async function knativeServiceDocument(file: string): Promise<unknown> {
  const parsed = parseYaml(await readConfigFile(file, 'mlaas.yaml'));
  return parsed.ok && isKnativeService(parsed.value) ? parsed.value : undefined;
}

/**
 * The declaration of the one service in `doc`, read from `file`; throws
 * CONFIG_KNATIVE_SERVICE_INVALID with every problem by Knative path.
 */
export async function knativeDeclaration(doc: unknown, file: string, served: GatewayDocument, options: { prune: boolean }): Promise<LoadedConfig> {
  const configPath = path.resolve(file);
  const baseDir = path.dirname(configPath);
  const read = readKnativeService(doc, baseDir);
  const issues: FieldIssue[] = read.ok ? [] : [...read.issues];
  if (options.prune) issues.push({ path: '', message: '--prune deletes what a file does not declare; a Knative Service declares one service only: apply it without --prune' });
  if (read.ok && !(await isDirectory(read.config.source))) {
    issues.push({ path: `metadata.annotations.${MLAAS.source}`, message: `expected the service's source directory, found none at ${read.config.source}` });
  }
  if (!read.ok || issues.length > 0) {
    const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
    throw new MlaasError('CONFIG_KNATIVE_SERVICE_INVALID', `${configPath}: ${count}; nothing changed`, { errors: issues });
  }
  const defaults = MlaasConfigSchema.parse({ gateway: { document: configPath } });
  return {
    config: { ...defaults, configPath, baseDir, stateDir: baseDir, services: { [read.name]: read.config } },
    gateway: served,
    flags: undefined,
    variables: {},
    only: read.name,
    ...(read.revisionName === undefined ? {} : { onlyRevisionName: read.revisionName }),
  };
}

/**
 * Knative's rule for a named template: the name is the revision it makes, so
 * it must be the revision that runs this very spec now, or — when the spec
 * makes a new one — the name mlaas gives that one (`SERVICE-NNNNN`, in order).
 * Anything else would be a name accepted and not honoured.
 */
export function revisionNameProblems(
  service: string,
  wanted: string | undefined,
  needsRevision: boolean,
  revisions: readonly RevisionRecord[],
): FieldIssue[] {
  if (wanted === undefined) return [];
  const latest = revisions.filter((r) => r.state !== 'failed').at(-1);
  if (!needsRevision && latest?.name === wanted) return [];
  const next = revisionName(service, Math.max(0, ...revisions.map((r) => r.number)) + 1);
  if (needsRevision && wanted === next) return [];
  const what = needsRevision
    ? `this spec makes a new revision, which mlaas names ${next}`
    : `this spec is that of ${latest?.name ?? 'no revision'}, which runs now`;
  return [{ path: 'spec.template.metadata.name', message: `expected ${needsRevision ? next : (latest?.name ?? next)} (${what}), got ${wanted}; or leave the name out` }];
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

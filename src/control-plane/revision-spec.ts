/**
 * What a revision records — the built artifact, command, env, models,
 * scaling, readiness — and how the runtime runs it. Written once when the
 * revision is created; read back through the schema so a bad row is an
 * error, not a crash.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { ServiceConfig } from '../config/index.js';
import type { InstanceSpec } from '../runtime/supervisor.js';
import type { JsonObject, RevisionRecord } from './state-store.js';

export const RevisionSpecSchema = z.object({
  artifact: z.object({
    digest: z.string(),
    dir: z.string(),
    kind: z.string(),
    env: z.record(z.string(), z.string()),
  }),
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  models: z.record(z.string(), z.string()),
  scaling: z.object({ minInstances: z.number().int().min(0), maxInstances: z.number().int().min(1) }).loose(),
  readiness: z.object({ path: z.string(), timeoutSeconds: z.number().positive() }),
  drainTimeoutSeconds: z.number().positive(),
});

export type RevisionSpec = z.infer<typeof RevisionSpecSchema>;

export interface BuiltArtifactRef {
  digest: string;
  dir: string;
  kind: string;
  env: Record<string, string>;
}

/** A new revision's spec: the service's declared settings over a built artifact. */
export function revisionSpecOf(service: ServiceConfig, artifact: BuiltArtifactRef): JsonObject {
  const spec: RevisionSpec = {
    artifact: { digest: artifact.digest, dir: artifact.dir, kind: artifact.kind, env: artifact.env },
    command: service.command,
    env: service.env,
    models: service.models,
    scaling: service.scaling,
    readiness: service.readiness,
    drainTimeoutSeconds: service.drainTimeoutSeconds,
  };
  return JSON.parse(JSON.stringify(spec)) as JsonObject;
}

export function parseRevisionSpec(rev: RevisionRecord): RevisionSpec {
  return RevisionSpecSchema.parse(rev.spec);
}

export function instanceSpecOf(rev: RevisionRecord): InstanceSpec {
  const spec = parseRevisionSpec(rev);
  return {
    key: rev.name,
    service: rev.service,
    revision: rev.name,
    cwd: spec.artifact.dir,
    command: spec.command,
    env: { ...spec.artifact.env, ...spec.env },
    models: spec.models,
    readiness: { path: spec.readiness.path, timeoutMs: spec.readiness.timeoutSeconds * 1000 },
    drainTimeoutMs: spec.drainTimeoutSeconds * 1000,
  };
}

/**
 * Instances a revision with traffic keeps: its `minInstances`, and at least
 * one while scale-to-zero is not there yet (a revision with traffic must answer).
 */
export function instancesOf(rev: RevisionRecord): number {
  return Math.max(1, parseRevisionSpec(rev).scaling.minInstances);
}

/** True when a declared service would make the same revision as `rev` from the artifact `digest`. */
export function sameRevisionSpec(rev: RevisionRecord, service: ServiceConfig, digest: string): boolean {
  const spec = parseRevisionSpec(rev);
  return spec.artifact.digest === digest && isDeepStrictEqual(rev.spec, revisionSpecOf(service, spec.artifact));
}

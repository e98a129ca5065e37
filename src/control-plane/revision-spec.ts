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
import { onnxServerEnv } from '../serving/onnx-server-env.js';
import type { JsonObject, RevisionRecord } from '../state/state-store.js';

/**
 * A model as a revision records it: the version its reference meant when the
 * revision was created, and the digest the runtime checks the bytes against.
 */
export const RecordedModelSchema = z.object({
  /** What the service declared: `spam@production`. */
  ref: z.string(),
  name: z.string(),
  version: z.int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  format: z.string(),
});

export type RecordedModel = z.infer<typeof RecordedModelSchema>;

/** The artifact kind of a revision whose build failed: recorded failed, with no directory to run from. */
export const UNBUILT_ARTIFACT_KIND = 'unbuilt';

/** The artifact kind of `runtime: onnx` revisions: the built-in server, no source. */
export const ONNX_ARTIFACT_KIND = 'onnx';

export const RevisionSpecSchema = z.object({
  artifact: z.object({
    digest: z.string(),
    dir: z.string(),
    kind: z.string(),
    env: z.record(z.string(), z.string()),
  }),
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  /** `env.inherit`: the platform's variables the instances get; absent when none. */
  inheritEnv: z.array(z.string()).optional(),
  models: z.record(z.string(), RecordedModelSchema),
  scaling: z.object({ minInstances: z.number().int().min(0), maxInstances: z.number().int().min(1) }).loose(),
  readiness: z.object({ path: z.string(), timeoutSeconds: z.number().positive() }),
  drainTimeoutSeconds: z.number().positive(),
  /** Knative's timeoutSeconds; absent when the service did not set it (and in revisions made before it existed). */
  timeoutSeconds: z.number().positive().optional(),
});

export type RevisionSpec = z.infer<typeof RevisionSpecSchema>;

export interface BuiltArtifactRef {
  digest: string;
  dir: string;
  kind: string;
  env: Record<string, string>;
  /** The command an artifact brings itself (the built-in ONNX server); a service's own `command` wins. */
  command?: string[];
}

/** A new revision's spec: the service's declared settings over a built artifact, with its models resolved. */
export function revisionSpecOf(service: ServiceConfig, artifact: BuiltArtifactRef, models: Record<string, RecordedModel>): JsonObject {
  const versions = Object.fromEntries(Object.entries(models).map(([key, m]) => [key, m.version]));
  const spec: RevisionSpec = {
    artifact: { digest: artifact.digest, dir: artifact.dir, kind: artifact.kind, env: artifact.env },
    command: service.command ?? artifact.command ?? [],
    env: artifact.kind === ONNX_ARTIFACT_KIND ? { ...service.env, ...onnxServerEnv(service.onnx, versions) } : service.env,
    // Only when set, so a revision made before `env.inherit` existed still counts as the same spec.
    ...(service.inheritEnv === undefined || service.inheritEnv.length === 0 ? {} : { inheritEnv: service.inheritEnv }),
    models,
    scaling: service.scaling,
    readiness: service.readiness,
    drainTimeoutSeconds: service.drainTimeoutSeconds,
    // Like the newer scaling settings: recorded only when set, so older revisions stay the same spec.
    ...(service.timeoutSeconds === undefined ? {} : { timeoutSeconds: service.timeoutSeconds }),
  };
  return JSON.parse(JSON.stringify(spec)) as JsonObject;
}

export function parseRevisionSpec(rev: RevisionRecord): RevisionSpec {
  return RevisionSpecSchema.parse(rev.spec);
}

/**
 * `modelPath` says where the runtime keeps the verified copy of a recorded
 * model; `built`, where the artifact's build lives now — it wins over the
 * directory the revision recorded, which an older layout may have put where
 * instances cannot reach.
 */
export function instanceSpecOf(
  rev: RevisionRecord,
  modelPath: (model: RecordedModel) => string,
  built?: { dir: string; env: Record<string, string> },
): InstanceSpec {
  const spec = parseRevisionSpec(rev);
  const artifact = built ?? spec.artifact;
  return {
    key: rev.name,
    service: rev.service,
    revision: rev.name,
    cwd: artifact.dir,
    command: spec.command,
    env: { ...artifact.env, ...spec.env },
    inheritEnv: spec.inheritEnv ?? [],
    models: Object.fromEntries(Object.entries(spec.models).map(([key, m]) => [key, modelPath(m)])),
    readiness: { path: spec.readiness.path, timeoutMs: spec.readiness.timeoutSeconds * 1000 },
    drainTimeoutMs: spec.drainTimeoutSeconds * 1000,
  };
}

/**
 * True when a declared service would make the same revision as `rev` from the
 * artifact `digest` and the model versions its references resolve to now. A
 * spec this mlaas cannot read (an older layout) is never the same.
 */
export function sameRevisionSpec(
  rev: RevisionRecord,
  service: ServiceConfig,
  artifact: Pick<BuiltArtifactRef, 'digest' | 'command'>,
  models: Record<string, RecordedModel>,
): boolean {
  const spec = RevisionSpecSchema.safeParse(rev.spec);
  if (!spec.success || spec.data.artifact.digest !== artifact.digest) return false;
  const built = { ...spec.data.artifact, ...(artifact.command === undefined ? {} : { command: artifact.command }) };
  return isDeepStrictEqual(rev.spec, revisionSpecOf(service, built, models));
}

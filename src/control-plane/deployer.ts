/**
 * `mlaas deploy`: from a source archive to a serving revision — store the
 * archive as an immutable artifact, build it (dependencies from a cache keyed
 * by the lockfile), resolve the service's models to versions, record the
 * revision, start it, move traffic. A `runtime: onnx` service has no archive:
 * its artifact is the built-in server. Progress is reported step by step for the CLI.
 * A build that fails is recorded too, as a failed revision whose reason is
 * what the build tool said (Cloud Run lists a revision that never started).
 */
import { isDeepStrictEqual } from 'node:util';
import { ServiceSchema, type ServiceConfig } from '../api/service-schema.js';
import { MlaasError } from '../errors.js';
import { onnxServerArtifact } from './onnx-server-artifact.js';
import { resolveModels, type ModelResolver } from './resolve-models.js';
import type { DeployOptions, RevisionReconciler } from './revision-reconciler.js';
import { parseRevisionSpec, revisionSpecOf, UNBUILT_ARTIFACT_KIND, type BuiltArtifactRef } from './revision-spec.js';
import { updatedServiceConfig, type ServiceChange } from './service-update.js';
import type { JsonObject, RevisionRecord, StateStore } from '../state/state-store.js';

/** What the deployer needs of the artifact store. */
export interface ArtifactBuilder {
  put(bytes: Buffer): Promise<{ digest: string }>;
  build(digest: string, options: { onProgress?: (step: string, detail?: string) => void }): Promise<BuiltArtifactRef>;
}

export interface DeployRequest extends DeployOptions {
  service: string;
  /** gzipped tar of the service's source; none for `runtime: onnx`. */
  archive?: Buffer;
  /** The service's settings; when absent, the stored ones (a first deploy must give at least a command). */
  config?: ServiceConfig;
  command?: string[];
  onProgress?: (event: { step: string; detail?: string }) => void;
}

export interface UpdateResult {
  /** False when the change left the spec as it was: no revision was made. */
  changed: boolean;
  /** The new revision, or the latest one when nothing changed. */
  revision: RevisionRecord;
}

export class Deployer {
  constructor(
    private readonly store: StateStore,
    private readonly artifacts: ArtifactBuilder,
    private readonly reconciler: RevisionReconciler,
    private readonly models?: ModelResolver,
  ) {}

  async deploy(req: DeployRequest): Promise<RevisionRecord> {
    const progress = req.onProgress ?? (() => undefined);
    const config = this.#serviceConfig(req);
    const onnx = config.runtime === 'onnx';
    const built = onnx ? onnxServerArtifact() : await this.#build(req, config, progress);
    const models = await resolveModels(this.models, config.models, { onnxOnly: onnx });
    for (const [key, m] of Object.entries(models)) progress({ step: 'model', detail: `${key}: ${m.ref} → ${m.name}@${m.version} (sha256:${m.sha256.slice(0, 12)})` });
    progress({ step: 'revision', detail: built.digest });
    const ctx = { actor: req.actor ?? 'deploy' };
    this.store.upsertService(req.service, JSON.parse(JSON.stringify(config)) as JsonObject, ctx);
    const rev = await this.reconciler.deploy(req.service, revisionSpecOf(config, built, models), req);
    progress({ step: 'ready', detail: rev.name });
    return rev;
  }

  /**
   * Cloud Run's `services update`: a new revision from the stored spec plus
   * `change`, reusing the artifact and model versions of the service's latest
   * revision (no new upload, no new model resolution). A change that changes
   * nothing makes no revision.
   */
  async update(service: string, change: ServiceChange, options: DeployOptions = {}): Promise<UpdateResult> {
    const stored = this.store.getService(service);
    if (stored === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no service ${service}`);
    // A revision whose build failed has no artifact to reuse.
    const latest = this.store.listRevisions(service).filter((r) => parseRevisionSpec(r).artifact.kind !== UNBUILT_ARTIFACT_KIND).at(-1);
    if (latest === undefined) throw new MlaasError('ADMIN_CONFLICT', `service ${service} has no revision to update: deploy it first`);
    const current = stored.spec as ServiceConfig;
    const config = updatedServiceConfig(service, current, change);
    const recorded = parseRevisionSpec(latest);
    // The command the artifact brought (the built-in ONNX server's) is what the revision recorded.
    const spec = revisionSpecOf(config, { ...recorded.artifact, command: recorded.command }, recorded.models);
    if (isDeepStrictEqual(config, current) && isDeepStrictEqual(spec, latest.spec)) return { changed: false, revision: latest };
    const ctx = { actor: options.actor ?? 'admin' };
    this.store.upsertService(service, JSON.parse(JSON.stringify(config)) as JsonObject, ctx);
    return { changed: true, revision: await this.reconciler.deploy(service, spec, { ...options, actor: ctx.actor }) };
  }

  async #build(req: DeployRequest, config: ServiceConfig, progress: NonNullable<DeployRequest['onProgress']>): Promise<BuiltArtifactRef> {
    if (req.archive === undefined) {
      throw new MlaasError('ADMIN_BODY_INVALID', `service ${req.service}: a deploy needs the source archive (only runtime: onnx has none)`);
    }
    progress({ step: 'artifact', detail: `${req.archive.length} bytes` });
    const { digest } = await this.artifacts.put(req.archive);
    try {
      return await this.artifacts.build(digest, { onProgress: (step, detail) => progress({ step, ...(detail === undefined ? {} : { detail }) }) });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const ctx = { actor: req.actor ?? 'deploy' };
      const unbuilt = { digest, dir: '', kind: UNBUILT_ARTIFACT_KIND, env: {} };
      this.store.upsertService(req.service, JSON.parse(JSON.stringify(config)) as JsonObject, ctx);
      const rev = this.store.createRevision(req.service, revisionSpecOf(config, unbuilt, {}), ctx);
      this.store.setRevisionState(rev.name, 'failed', reason, ctx);
      progress({ step: 'failed', detail: `${rev.name}: build failed` });
      const code = err instanceof MlaasError ? err.code : 'ARTIFACT_BUILD_FAILED';
      throw new MlaasError(code, `${rev.name} failed to build; traffic is unchanged: ${reason}`, { cause: err });
    }
  }

  /**
   * The settings the revision is made from. Declared (`req.config`) and stored
   * specs were validated on their way in and are used as they are — parsing a
   * parsed spec again would read its durations, already in ms, as seconds;
   * only a first deploy from the CLI is parsed, to get the defaults.
   */
  #serviceConfig(req: DeployRequest): ServiceConfig {
    const known = req.config ?? (this.store.getService(req.service)?.spec as ServiceConfig | undefined);
    if (known !== undefined) return req.command === undefined ? known : { ...known, command: req.command };
    if (req.command === undefined) {
      throw new MlaasError('ADMIN_BODY_INVALID', `service ${req.service} is new: give the command that starts it`, {
        errors: [{ path: 'command', message: 'required for the first deploy of a service' }],
      });
    }
    const parsed = ServiceSchema.safeParse({ command: req.command });
    if (!parsed.success) {
      throw new MlaasError('ADMIN_BODY_INVALID', `service ${req.service} has an invalid spec`, {
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    return parsed.data;
  }
}

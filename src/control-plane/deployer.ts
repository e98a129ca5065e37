/**
 * `mlaas deploy`: from a source archive to a serving revision — store the
 * archive as an immutable artifact, build it (dependencies from a cache keyed
 * by the lockfile), record the revision, start it, move traffic. Progress is
 * reported step by step for the CLI.
 */
import { ServiceSchema, type ServiceConfig } from '../config/index.js';
import { MlaasError } from '../errors.js';
import type { DeployOptions, RevisionReconciler } from './revision-reconciler.js';
import { revisionSpecOf, type BuiltArtifactRef } from './revision-spec.js';
import type { JsonObject, RevisionRecord, StateStore } from './state-store.js';

/** What the deployer needs of the artifact store. */
export interface ArtifactBuilder {
  put(bytes: Buffer): Promise<{ digest: string }>;
  build(digest: string, options: { onProgress?: (step: string, detail?: string) => void }): Promise<BuiltArtifactRef>;
}

export interface DeployRequest extends DeployOptions {
  service: string;
  /** gzipped tar of the service's source. */
  archive: Buffer;
  /** The service's settings; when absent, the stored ones (a first deploy must give at least a command). */
  config?: ServiceConfig;
  command?: string[];
  onProgress?: (event: { step: string; detail?: string }) => void;
}

export class Deployer {
  constructor(
    private readonly store: StateStore,
    private readonly artifacts: ArtifactBuilder,
    private readonly reconciler: RevisionReconciler,
  ) {}

  async deploy(req: DeployRequest): Promise<RevisionRecord> {
    const progress = req.onProgress ?? (() => undefined);
    const config = this.#serviceConfig(req);
    progress({ step: 'artifact', detail: `${req.archive.length} bytes` });
    const { digest } = await this.artifacts.put(req.archive);
    const built = await this.artifacts.build(digest, { onProgress: (step, detail) => progress({ step, ...(detail === undefined ? {} : { detail }) }) });
    progress({ step: 'revision', detail: digest });
    const ctx = { actor: req.actor ?? 'deploy' };
    this.store.upsertService(req.service, JSON.parse(JSON.stringify(config)) as JsonObject, ctx);
    const rev = await this.reconciler.deploy(req.service, revisionSpecOf(config, built), req);
    progress({ step: 'ready', detail: rev.name });
    return rev;
  }

  #serviceConfig(req: DeployRequest): ServiceConfig {
    const stored = req.config ?? this.store.getService(req.service)?.spec;
    if (stored === undefined && req.command === undefined) {
      throw new MlaasError('ADMIN_BODY_INVALID', `service ${req.service} is new: give the command that starts it`, {
        errors: [{ path: 'command', message: 'required for the first deploy of a service' }],
      });
    }
    const merged = { ...(stored ?? {}), ...(req.command === undefined ? {} : { command: req.command }) };
    const parsed = ServiceSchema.safeParse(merged);
    if (!parsed.success) {
      throw new MlaasError('ADMIN_BODY_INVALID', `service ${req.service} has an invalid spec`, {
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    return parsed.data;
  }
}

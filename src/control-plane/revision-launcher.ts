/**
 * How `mlaas up` readies a revision to run and what its instances run:
 * before it starts, its artifact is built (looked up once: artifacts never
 * change) and its models are fetched into the verified local cache; each
 * instance's spec then names that build and those copies, and is marked
 * with the state dir that owns it (for orphan reaping after a crash).
 */
import type { ArtifactStore, BuiltArtifact } from '../artifacts/index.js';
import type { ModelCache, ModelRegistry } from '../models/index.js';
import { OWNER_ENV } from '../runtime/reap-orphans.js';
import type { InstanceSpec } from '../runtime/supervisor.js';
import { fetchRevisionModels } from './fetch-revision-models.js';
import { ONNX_ARTIFACT_KIND, instanceSpecOf, parseRevisionSpec } from './revision-spec.js';
import type { RevisionRecord } from '../state/state-store.js';

export interface RevisionLauncherOptions {
  artifacts: ArtifactStore;
  models: ModelRegistry;
  modelCache: ModelCache;
  stateDir: string;
}

export class RevisionLauncher {
  readonly #o: RevisionLauncherOptions;
  readonly #builds = new Map<string, BuiltArtifact>();
  /** Revisions are immutable: one spec object each, which the supervisor and its runtime pool see unchanged tick after tick. */
  readonly #specs = new Map<string, InstanceSpec>();

  constructor(options: RevisionLauncherOptions) {
    this.#o = options;
  }

  /** The reconciler's prepare phase: build, then fetch the models. */
  async prepare(rev: RevisionRecord): Promise<void> {
    const { artifact } = parseRevisionSpec(rev);
    if (artifact.kind !== ONNX_ARTIFACT_KIND) this.#builds.set(rev.name, await this.#o.artifacts.build(artifact.digest));
    this.#specs.delete(rev.name);
    await fetchRevisionModels(rev, { registry: this.#o.models, cache: this.#o.modelCache });
  }

  /** What an instance of a prepared revision runs. */
  spec(rev: RevisionRecord): InstanceSpec {
    let spec = this.#specs.get(rev.name);
    if (spec === undefined) {
      spec = {
        ...instanceSpecOf(rev, (model) => this.#o.modelCache.pathOf(model), this.#builds.get(rev.name)),
        marks: { [OWNER_ENV]: this.#o.stateDir },
      };
      this.#specs.set(rev.name, spec);
    }
    return spec;
  }
}

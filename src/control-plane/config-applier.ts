/**
 * `plan` and `apply` of the files, computed in the platform: the files are
 * loaded with the start-up's own loader, the desired state is diffed against
 * the store and the gateway document served, the whole is validated before
 * anything changes, then each change is made (apply-changes.ts). `mlaas up`
 * goes through `startUp`: the same plan, of which only what the files changed
 * since the last apply is applied (three-way), so a CLI change survives a
 * restart and `plan` shows it as drift. One plan or apply at a time.
 */
import { loadConfig, type GatewayDocument, type LoadedConfig } from '../config/index.js';
import { MlaasError } from '../errors.js';
import { adoptMatching, applyChanges, type ApplyDeps, type ApplyProgress, type ApplyResult } from './apply-changes.js';
import { changedSinceApplied, desiredStateOf, liveStateOf, type Declared, type DesiredStateOptions } from './declared-state.js';
import { pendingChanges, planChanges, planProblems, type Change } from './plan-changes.js';
import { knativeDeclaration, knativeServiceDocument, revisionNameProblems } from './knative-declaration.js';
import { unroutedServices } from './unrouted-services.js';

export interface PlanRequest {
  /** Absolute path of mlaas.yaml. */
  configPath: string;
  /** `${VAR}` values for the files, from the CLI's environment. */
  variables?: Record<string, string>;
  prune?: boolean;
}

export interface PlanAnswer {
  /** Every change, `leave` included, in plan order. */
  changes: Change[];
  /** Declared services no route of the gateway document reaches. */
  unrouted: string[];
  /** What reloads (file watch, `mlaas reload`, SIGHUP) applied of the files since the last apply. */
  reloaded: string[];
}

export interface ApplyAnswer extends PlanAnswer, ApplyResult {}

export interface ConfigApplierOptions extends ApplyDeps {
  /** The gateway document served now (the ConfigReloader's). */
  served: () => GatewayDocument;
  /** What reloads switched since the last apply (the ConfigReloader's). */
  reloaded?: () => string[];
  /** Told of files an apply made the platform match (the reloader then compares with them). */
  onApplied?: (loaded: LoadedConfig) => void;
  /** Reads the files (default: loadConfig); `services` are the live ones a route may still name. */
  load?: (request: PlanRequest, services: string[]) => Promise<LoadedConfig>;
}

export class ConfigApplier {
  readonly #o: ConfigApplierOptions;
  readonly #load: (request: PlanRequest, services: string[]) => Promise<LoadedConfig>;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigApplierOptions) {
    this.#o = options;
    this.#load = options.load ?? ((request, services) => loadFiles(request, services, options.served()));
  }

  plan(request: PlanRequest): Promise<PlanAnswer> {
    return this.#serially(async () => {
      const { declared, changes } = await this.#plan(request);
      return { changes, unrouted: this.#unrouted(declared), reloaded: this.#o.reloaded?.() ?? [] };
    });
  }

  apply(request: PlanRequest, onProgress?: (event: ApplyProgress) => void): Promise<ApplyAnswer> {
    return this.#serially(async () => {
      const { loaded, declared, changes } = await this.#plan(request);
      const result = await applyChanges(pendingChanges(changes), declared, loaded, this.#o, { actor: 'apply', ...(onProgress ? { onProgress } : {}) });
      adoptMatching(changes, declared, this.#o.store);
      const reloaded = this.#o.reloaded?.() ?? [];
      // One service from a Knative file is no new version of the files the reloader compares with.
      if (result.failed.length === 0 && loaded.only === undefined) this.#o.onApplied?.(loaded);
      return { changes, unrouted: this.#unrouted(declared), reloaded, ...result };
    });
  }

  /**
   * What `mlaas up` applies of the files it started with: what changed in
   * them since the last apply (everything the first time). A service that
   * cannot be read (its source, its models) is reported and left out.
   */
  startUp(loaded: LoadedConfig, options: Pick<DesiredStateOptions, 'forceRevision' | 'onServiceError'>): Promise<ApplyAnswer> {
    return this.#serially(async () => {
      const declared = await desiredStateOf(loaded, { store: this.#o.store, models: this.#o.models, stateDir: this.#o.stateDir, ...options });
      const changes = planChanges(declared.desired, await this.#live(loaded));
      const forced = options.forceRevision ?? new Set<string>();
      const wanted = changedSinceApplied(changes, declared.desired, this.#o.store);
      for (const c of changes) if (c.kind === 'revision' && forced.has(c.name) && !wanted.includes(c)) wanted.push(c);
      const result = await applyChanges(wanted, declared, loaded, this.#o, { actor: 'up' });
      adoptMatching(changes, declared, this.#o.store);
      return { changes, unrouted: this.#unrouted(declared), reloaded: [], ...result };
    });
  }

  async #plan(request: PlanRequest): Promise<{ loaded: LoadedConfig; declared: Declared; changes: Change[] }> {
    const { store, models, stateDir } = this.#o;
    const loaded = await this.#load(request, store.listServices().map((s) => s.name));
    const declared = await desiredStateOf(loaded, { store, models, stateDir });
    const live = await this.#live(loaded);
    const options = { prune: request.prune === true };
    const problems = planProblems(declared.desired, live, options);
    if (loaded.only !== undefined) {
      const named = revisionNameProblems(loaded.only, loaded.onlyRevisionName, declared.desired.services[loaded.only]?.needsRevision === true, store.listRevisions(loaded.only));
      if (named.length > 0) throw new MlaasError('CONFIG_KNATIVE_SERVICE_INVALID', `${loaded.config.configPath}: 1 error; nothing changed`, { errors: named });
    }
    if (problems.length > 0) {
      throw new MlaasError('CONFIG_INVALID', `the files cannot be applied (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing changed`, {
        errors: problems,
      });
    }
    const changes = planChanges(declared.desired, live, options);
    return { loaded, declared, changes: loaded.only === undefined ? changes : changes.filter((c) => isServiceChange(c, loaded.only as string)) };
  }

  #live(loaded: LoadedConfig) {
    const seeded = Object.entries(loaded.config.models.seed).map(([model, seed]) => `${model}@${seed.alias}`);
    return liveStateOf(this.#o.store, this.#o.served(), this.#o.models, seeded);
  }

  #unrouted(declared: Declared): string[] {
    return unroutedServices(Object.keys(declared.desired.services), declared.desired.gateway);
  }

  #serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * The one place the CLI's variables reach the loader: `${VAR}` substitution reads them as its environment.
 * A Knative Service file is taken as written (Kubernetes substitutes nothing) and keeps the document served.
 */
async function loadFiles(request: PlanRequest, services: string[], served: GatewayDocument): Promise<LoadedConfig> {
  const knative = await knativeServiceDocument(request.configPath);
  if (knative !== undefined) return knativeDeclaration(knative, request.configPath, served, { prune: request.prune === true });
  return loadConfig(request.configPath, { services, env: request.variables ?? {} });
}

/** What a Knative Service file declares: the service, its revision and its traffic. */
function isServiceChange(change: Change, service: string): boolean {
  return change.name === service && (change.kind === 'service' || change.kind === 'revision' || change.kind === 'traffic');
}

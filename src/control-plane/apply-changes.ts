/**
 * Makes a plan's changes, each resource's change atomic and audited under the
 * apply's actor, in an order where nothing is routed before it can serve:
 * seeded aliases; services (a new revision, through the Deployer, only where
 * the revision spec changed) and then their declared traffic; tenants; flags;
 * the gateway document; last, what is pruned (the routes to it are already
 * gone). Each applied declaration is recorded as last applied (three-way).
 * A resource that fails is reported and the others still apply.
 */
import type { GatewayDocument, LoadedConfig, ServiceConfig } from '../config/index.js';
import type { ModelRegistry } from '../models/index.js';
import { seedModels } from '../models/index.js';
import { changedSinceApplied, declarationOf, declaredTenancyOf, resourceOf, type Declared } from './declared-state.js';
import type { Deployer } from './deployer.js';
import { ensureDemoKey } from './demo-key.js';
import { planChanges, type Change, type LiveState } from './plan-changes.js';
import { publishTenancy, type TenancyTarget } from './publish-tenancy.js';
import { validateTraffic } from './resolve-traffic.js';
import type { RevisionReconciler } from './revision-reconciler.js';
import type { RevisionRecord, StateStore, TrafficPolicy } from '../state/state-store.js';

export interface ApplyDeps {
  store: StateStore;
  deployer: Deployer;
  reconciler: RevisionReconciler;
  models: ModelRegistry;
  tenancy: TenancyTarget;
  /** Serves the document from the next request on (the ConfigReloader's, so a reload compares with it). */
  setGatewayDocument: (document: GatewayDocument) => void;
  stateDir: string;
}

export interface ApplyProgress {
  step: string;
  detail?: string;
}

export interface ApplyResult {
  applied: Change[];
  failed: Array<{ kind: Change['kind']; name: string; error: string }>;
}

const PAST: Record<Change['action'], string> = { create: 'created', update: 'updated', delete: 'deleted', leave: 'left' };

export async function applyChanges(
  changes: readonly Change[],
  declared: Declared,
  loaded: LoadedConfig,
  deps: ApplyDeps,
  options: { actor: string; onProgress?: (event: ApplyProgress) => void },
): Promise<ApplyResult> {
  const { store } = deps;
  const { desired } = declared;
  const ctx = { actor: options.actor };
  const progress = options.onProgress ?? (() => undefined);
  const result: ApplyResult = { applied: [], failed: [] };
  const done = (c: Change): void => {
    result.applied.push(c);
    progress({ step: PAST[c.action], detail: resourceOf(c) });
  };
  const fail = (c: Pick<Change, 'kind' | 'name'>, err: unknown): void => {
    const error = err instanceof Error ? err.message : String(err);
    result.failed.push({ kind: c.kind, name: c.name, error });
    progress({ step: 'failed', detail: `${resourceOf(c)}: ${error}` });
  };
  const record = (c: Pick<Change, 'kind' | 'name'>): void => store.setApplied(resourceOf(c), declarationOf(desired, c));
  const of = (kind: Change['kind']) => changes.filter((c) => c.kind === kind && c.action !== 'leave');

  const aliases = of('alias');
  if (aliases.length > 0) {
    const wanted = new Set(aliases.map((c) => c.name));
    const seeds = Object.fromEntries(Object.entries(loaded.config.models.seed).filter(([model, s]) => wanted.has(`${model}@${s.alias}`)));
    try {
      await seedModels(deps.models, seeds);
      aliases.forEach(done);
    } catch (err) {
      aliases.forEach((c) => fail(c, err));
    }
  }

  const services = new Set([...of('service'), ...of('revision'), ...of('traffic')].filter((c) => c.action !== 'delete').map((c) => c.name));
  await Promise.all([...services].sort().map((name) => applyService(name)));
  if (services.size > 0) publishTenancy(deps.tenancy, store, 'services');

  async function applyService(name: string): Promise<void> {
    const mine = changes.filter((c) => c.name === name && (c.kind === 'service' || c.kind === 'revision' || c.kind === 'traffic'));
    const spec = mine.find((c) => c.kind === 'service');
    const revision = mine.find((c) => c.kind === 'revision');
    const traffic = mine.find((c) => c.kind === 'traffic');
    const want = desired.services[name];
    const source = declared.sources.get(name);
    if (want === undefined || source === undefined) return;
    try {
      if (revision !== undefined) {
        progress({ step: 'deploy', detail: `${name}: a new revision` });
        // The declared traffic goes in with the new revision, so no request sees the split before it; a
        // policy that names a revision this deploy makes is set once it exists.
        const policy = traffic === undefined ? undefined : want.traffic;
        const withDeploy = policy !== undefined && validTraffic(name, policy, store.listRevisions(name));
        // Without the spec's own change (a drift `mlaas up` keeps), the new source is deployed with the stored spec.
        const config = spec === undefined ? ((store.getService(name)?.spec as ServiceConfig | undefined) ?? source.config) : source.config;
        await deps.deployer.deploy({
          service: name,
          config,
          ...(source.archive === undefined ? {} : { archive: source.archive }),
          ...(withDeploy ? { traffic: () => policy } : {}),
          actor: options.actor,
          onProgress: (e) => progress({ step: e.step, detail: `${name}: ${e.detail ?? ''}`.trimEnd() }),
        });
        store.atomically(() => {
          record({ kind: 'service', name });
          record({ kind: 'revision', name });
          if (traffic !== undefined && withDeploy) record(traffic);
        });
        for (const c of [spec, revision]) if (c !== undefined) done(c);
        if (traffic === undefined) return;
        if (withDeploy) return done(traffic);
        try {
          await deps.reconciler.setTraffic(name, policy as TrafficPolicy, options.actor);
          record(traffic);
          done(traffic);
        } catch (err) {
          fail(traffic, err);
        }
        return;
      }
      if (spec !== undefined) {
        store.atomically(() => {
          store.upsertService(name, want.spec, ctx);
          record(spec);
        });
        done(spec);
      }
      if (traffic !== undefined && want.traffic !== undefined) {
        await deps.reconciler.setTraffic(name, want.traffic, options.actor);
        record(traffic);
        done(traffic);
      }
    } catch (err) {
      for (const c of [spec, revision, traffic]) if (c !== undefined) fail(c, err);
    }
  }

  const tenants = of('tenant');
  const keys = of('key');
  for (const c of [...tenants, ...of('flags')]) {
    try {
      applyTenancyChange(c, declared, store, deps.stateDir, ctx);
      done(c);
      if (c.kind === 'tenant' && c.action === 'delete') keys.filter((k) => k.note === `tenant ${c.name}`).forEach(done);
    } catch (err) {
      fail(c, err);
    }
  }
  if (tenants.length > 0) publishTenancy(deps.tenancy, store, 'tenants');
  if (of('flags').length > 0) publishTenancy(deps.tenancy, store, 'flags');

  const routes = of('route');
  if (routes.length > 0) {
    try {
      deps.setGatewayDocument(desired.gateway);
      routes.forEach(done);
    } catch (err) {
      routes.forEach((c) => fail(c, err));
    }
  }

  for (const c of of('service').filter((s) => s.action === 'delete')) {
    try {
      // Its instances stop, then it goes with its revisions and traffic: declared again later, it starts afresh.
      await deps.reconciler.deleteService(c.name, options.actor);
      store.atomically(() => {
        for (const kind of ['service', 'revision', 'traffic'] as const) store.setApplied(resourceOf({ kind, name: c.name }), undefined);
      });
      done(c);
    } catch (err) {
      fail(c, err);
    }
  }
  if (of('service').some((s) => s.action === 'delete')) publishTenancy(deps.tenancy, store, 'services');
  return result;
}

function validTraffic(service: string, policy: TrafficPolicy, revisions: readonly RevisionRecord[]): boolean {
  try {
    validateTraffic(service, policy, revisions);
    return true;
  } catch {
    return false;
  }
}

/**
 * One tenant's or the flags' change, atomic, recorded as last applied; a
 * tenant declared with `demoKey: true` gets its key. Synchronous, so that a
 * reload can switch it together with the gateway's routes.
 */
export function applyTenancyChange(c: Change, declared: Declared, store: StateStore, stateDir: string, ctx: { actor: string }): void {
  const { desired } = declared;
  store.atomically(() => {
    if (c.kind === 'flags') {
      if (desired.flags !== undefined) store.setFlags(desired.flags, ctx);
    } else if (c.action === 'delete') store.deleteTenant(c.name, ctx);
    else {
      const input = desired.tenants[c.name];
      if (input !== undefined) store.upsertTenant(c.name, input, ctx);
      if (declared.demoKeyTenants.includes(c.name)) ensureDemoKey(store, stateDir, c.name);
    }
    store.setApplied(resourceOf(c), declarationOf(desired, c));
  });
}

export interface TenancyApplied {
  /** Tenants written (added, or settings, attributes, quotas changed). */
  tenants: string[];
  flags: boolean;
  /** Tenants written that are declared with `demoKey: true` (their key is ensured). */
  demoKeys: string[];
}

/**
 * What a reload applies of mlaas.yaml: the tenants and flags whose
 * declaration changed since it was last applied (as `mlaas up` does), so a
 * change through the CLI stays until the file's declaration changes.
 * Synchronous; one transaction.
 */
export function applyDeclaredTenancy(store: StateStore, loaded: LoadedConfig, stateDir: string, actor: string): TenancyApplied {
  const declared = declaredTenancyOf(loaded);
  const flags = store.getFlags();
  const live: LiveState = {
    services: [],
    tenants: store.listTenants(),
    keys: [],
    revisions: [],
    traffic: {},
    aliases: [],
    gateway: loaded.gateway,
    ...(flags === undefined ? {} : { flags }),
  };
  const plan = planChanges(declared.desired, live).filter((c) => c.kind === 'tenant' || c.kind === 'flags');
  const wanted = changedSinceApplied(plan, declared.desired, store);
  return store.atomically(() => {
    for (const c of wanted) applyTenancyChange(c, declared, store, stateDir, { actor });
    adoptMatching(plan, declared, store);
    const tenants = wanted.filter((c) => c.kind === 'tenant').map((c) => c.name);
    return { tenants, flags: wanted.some((c) => c.kind === 'flags'), demoKeys: tenants.filter((t) => declared.demoKeyTenants.includes(t)) };
  });
}

/**
 * Records as last applied every declared resource whose live state already
 * is what the files say (no change was planned for it: a platform upgraded
 * to this mlaas, a file edited to what the CLI set), so a later CLI change
 * shows as drift instead of being undone at the next start. What `changes`
 * plans — applied (recorded then), failed or left as drift — is not touched.
 */
export function adoptMatching(changes: readonly Change[], declared: Declared, store: StateStore): void {
  const pending = new Set(changes.filter((c) => c.action !== 'leave').map((c) => resourceOf(c)));
  const { desired } = declared;
  const resources: Array<Pick<Change, 'kind' | 'name'>> = [
    ...Object.keys(desired.services).flatMap((name) => [
      { kind: 'service' as const, name },
      { kind: 'revision' as const, name },
      ...(desired.services[name]?.traffic === undefined ? [] : [{ kind: 'traffic' as const, name }]),
    ]),
    ...Object.keys(desired.tenants).map((name) => ({ kind: 'tenant' as const, name })),
    ...(desired.flags === undefined ? [] : [{ kind: 'flags' as const, name: 'flags' }]),
  ];
  store.atomically(() => {
    for (const r of resources) {
      const resource = resourceOf(r);
      if (pending.has(resource)) continue;
      const declaration = declarationOf(desired, r);
      if (declaration !== undefined) store.setApplied(resource, declaration);
    }
  });
}

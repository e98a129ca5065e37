/**
 * The two sides of a plan, read: what the files declare (`desiredStateOf`:
 * each service's spec, and whether it needs a new revision — the source
 * packed and digested, its models resolved, as a deploy would) and what
 * runs (`liveStateOf`: the store and the gateway document served). Also
 * the declaration recorded per resource as last applied, and the filter
 * that makes `mlaas up` three-way: only what the files changed since.
 */
import { isDeepStrictEqual } from 'node:util';
import { packSource } from '../artifacts/index.js';
import type { GatewayDocument, LoadedConfig, ServiceConfig } from '../config/index.js';
import type { ModelRegistry } from '../models/index.js';
import { onnxServerArtifact } from './onnx-server-artifact.js';
import { comparableRevisionSpec, resourceOf, trafficView, type Change, type DesiredState, type LiveState } from './plan-changes.js';

export { resourceOf };
import { resolveModels } from './resolve-models.js';
import { revisionSpecOf, sameRevisionSpec } from './revision-spec.js';
import { seededModelResolver } from './seeded-model-resolver.js';
import type { JsonObject, StateStore, TenantInput, TrafficPolicy } from '../state/state-store.js';

/** What an apply needs beyond the desired state to make a service's revision: its settings and packed source. */
export interface DeclaredSource {
  config: ServiceConfig;
  /** The packed source; none for `runtime: onnx`. */
  archive?: Buffer;
}

export interface Declared {
  desired: DesiredState;
  sources: Map<string, DeclaredSource>;
  /** Tenants declared with `demoKey: true`. */
  demoKeyTenants: string[];
}

export interface DesiredStateOptions {
  store: StateStore;
  models: ModelRegistry;
  /** The platform's state directory: never packed, even inside a service's source. */
  stateDir?: string;
  /** Services that get a new revision even from an unchanged spec (their recovery failed at start-up). */
  forceRevision?: ReadonlySet<string>;
  /**
   * Told of a service whose source cannot be packed or whose models cannot be
   * resolved; the service then gets no revision (start-up serves the others). Without it, the error is thrown.
   */
  onServiceError?: (service: string, err: unknown) => void;
}

export async function desiredStateOf(loaded: LoadedConfig, options: DesiredStateOptions): Promise<Declared> {
  const { config } = loaded;
  const services: DesiredState['services'] = {};
  const sources = new Map<string, DeclaredSource>();
  const seeded = seededModelResolver(options.models, config.models.seed);
  for (const [name, declared] of Object.entries(config.services)) {
    const { traffic, ...service } = declared;
    try {
      const onnx = service.runtime === 'onnx';
      const packed = onnx ? undefined : await packSource(service.source, options.stateDir === undefined ? {} : { stateDir: options.stateDir });
      const artifact = packed === undefined ? onnxServerArtifact() : { digest: packed.digest, dir: '', kind: 'plain', env: {} };
      const resolved = await resolveModels(seeded, service.models, { onnxOnly: onnx });
      // As on Cloud Run, the service's latest revision is what its configuration made last: an older revision of the
      // same spec (before a `services update`) does not count, or setting the file's value back would make none.
      const latest = options.store.listRevisions(name).filter((r) => r.state !== 'failed').at(-1);
      const existing = latest !== undefined && sameRevisionSpec(latest, service, artifact, resolved);
      services[name] = {
        spec: JSON.parse(JSON.stringify(service)) as JsonObject,
        revision: comparableRevisionSpec(revisionSpecOf(service, artifact, resolved)),
        needsRevision: !existing || options.forceRevision?.has(name) === true,
        ...(traffic === undefined ? {} : { traffic: trafficPolicyOf(traffic) }),
      };
      sources.set(name, { config: service, ...(packed === undefined ? {} : { archive: packed.bytes }) });
    } catch (err) {
      if (options.onServiceError === undefined) throw err;
      options.onServiceError(name, err);
      // Its spec is still stored: a model rollout of the alias it waits for deploys it.
      services[name] = { spec: JSON.parse(JSON.stringify(service)) as JsonObject, revision: {}, needsRevision: false };
      sources.set(name, { config: service });
    }
  }
  const tenancy = declaredTenancyOf(loaded);
  const desired: DesiredState = {
    services,
    tenants: tenancy.desired.tenants,
    aliases: Object.entries(config.models.seed).map(([model, seed]) => `${model}@${seed.alias}`),
    gateway: loaded.gateway,
    ...(tenancy.desired.flags === undefined ? {} : { flags: tenancy.desired.flags }),
  };
  const { demoKeyTenants } = tenancy;
  return { desired, sources, demoKeyTenants };
}

/** Only what a reload applies: tenants, flags and the gateway document; no services. */
export function declaredTenancyOf(loaded: LoadedConfig): Declared {
  const tenants: Record<string, TenantInput> = {};
  for (const [id, tenant] of Object.entries(loaded.config.tenants)) {
    const input: TenantInput = { displayName: tenant.displayName ?? id, config: tenant.config, attributes: tenant.attributes };
    if (tenant.quota !== undefined) input.quota = tenant.quota;
    if (tenant.keyQuota !== undefined) input.keyQuota = tenant.keyQuota;
    tenants[id] = input;
  }
  const desired: DesiredState = { services: {}, tenants, aliases: [], gateway: loaded.gateway };
  if (loaded.flags !== undefined) desired.flags = JSON.parse(loaded.flags.document) as JsonObject;
  const demoKeyTenants = Object.entries(loaded.config.tenants).flatMap(([id, t]) => (t.demoKey ? [id] : []));
  return { desired, sources: new Map(), demoKeyTenants };
}

export async function liveStateOf(store: StateStore, gateway: GatewayDocument, models: ModelRegistry, seeded: readonly string[]): Promise<LiveState> {
  const services = store.listServices();
  const traffic: Record<string, TrafficPolicy | undefined> = {};
  for (const s of services) traffic[s.name] = store.getTraffic(s.name);
  const aliases: string[] = [];
  for (const model of new Set(seeded.map((a) => a.split('@')[0] as string))) {
    for (const alias of Object.keys(await models.aliases(model))) aliases.push(`${model}@${alias}`);
  }
  const live: LiveState = {
    services,
    tenants: store.listTenants(),
    keys: store.listKeys(),
    revisions: store.listRevisions(),
    traffic,
    aliases,
    gateway,
  };
  const flags = store.getFlags();
  if (flags !== undefined) live.flags = flags;
  return live;
}

/** The declaration an apply records as last applied for `kind/name`; undefined for kinds that are not recorded (routes, aliases, keys). */
export function declarationOf(desired: DesiredState, change: Pick<Change, 'kind' | 'name'>): JsonObject | undefined {
  const service = desired.services[change.name];
  switch (change.kind) {
    case 'service':
      return service?.spec;
    case 'revision':
      return service === undefined ? undefined : { spec: service.spec, revision: service.revision };
    case 'traffic':
      return service?.traffic === undefined ? undefined : trafficView(service.traffic);
    case 'tenant': {
      const tenant = desired.tenants[change.name];
      return tenant === undefined ? undefined : (JSON.parse(JSON.stringify(tenant)) as JsonObject);
    }
    case 'flags':
      return desired.flags;
    default:
      return undefined;
  }
}

/**
 * What `mlaas up` applies of a plan: the resources whose declaration changed
 * since it was last applied (all of them the first time), so that what the
 * CLI changed since survives a restart. Routes are always the files' (no
 * command changes them); what the files do not declare is never touched.
 */
export function changedSinceApplied(changes: readonly Change[], desired: DesiredState, store: StateStore): Change[] {
  return changes.filter((c) => {
    if (c.action === 'leave' || c.action === 'delete') return false;
    const declaration = declarationOf(desired, c);
    if (declaration === undefined) return true;
    return !isDeepStrictEqual(store.getApplied(resourceOf(c)), declaration);
  });
}

function trafficPolicyOf(traffic: NonNullable<ServiceConfig['traffic']>): TrafficPolicy {
  const policy: TrafficPolicy = {
    targets: traffic.targets.map(({ revisionName, ...t }) => ({ ...(revisionName === undefined ? {} : { revision: revisionName }), ...t })),
    sticky: traffic.sticky,
  };
  if (traffic.tenantTags !== undefined) policy.tenantTags = traffic.tenantTags;
  if (traffic.flagTag !== undefined) policy.flagTag = traffic.flagTag;
  if (traffic.mirror !== undefined) policy.mirror = traffic.mirror;
  return policy;
}

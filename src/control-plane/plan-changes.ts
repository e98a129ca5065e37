/**
 * The plan: what `mlaas apply` would change to make the platform match the
 * files, as a pure, deterministic function of the desired state (what the
 * files declare) and the live state (the store and the gateway document
 * served). Every change names its resource (`service/echo`, `traffic/echo`,
 * `route/POST /v1/echo`…) and, for an update, each field that differs.
 * `planProblems` finds what would make the apply fail, before anything changes.
 */
import type { GatewayDocument } from '../config/index.js';
import { MlaasError, type FieldIssue } from '../errors.js';
import { fieldChanges, type FieldChange } from '../config/field-changes.js';
import { DEFAULT_TRAFFIC, validateTraffic } from './resolve-traffic.js';
import { routeChanges, routeName } from './route-changes.js';
import type { JsonObject, KeyRecord, RevisionRecord, ServiceRecord, TenantInput, TenantRecord, TrafficPolicy } from '../state/state-store.js';

export type ChangeAction = 'create' | 'update' | 'delete' | 'leave';

/** The kinds of resource a plan covers. */
export const RESOURCE_KINDS = ['alias', 'service', 'revision', 'traffic', 'tenant', 'key', 'flags', 'route'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface Change {
  action: ChangeAction;
  kind: ResourceKind;
  name: string;
  fields?: FieldChange[];
  /** A word on what the change does beyond its fields (`tenant acme`, `stops its instances`). */
  note?: string;
}

export interface DesiredService {
  /** The declared ServiceConfig, without `traffic`: what the store keeps as the service's spec. */
  spec: JsonObject;
  /** The revision the spec makes now (packed source digest, resolved models), artifact reduced to its digest. */
  revision: JsonObject;
  /** True when no revision that has not failed was made from this very spec (sameRevisionSpec), or one must be made anyway. */
  needsRevision: boolean;
  /** Only when the file declares `services.S.traffic`. */
  traffic?: TrafficPolicy;
}

export interface DesiredState {
  services: Record<string, DesiredService>;
  tenants: Record<string, TenantInput>;
  /** The flagd document, when the file has `flags:`. */
  flags?: JsonObject;
  /** `name@alias` of each models.seed entry. */
  aliases: string[];
  gateway: GatewayDocument;
}

export interface LiveState {
  services: ServiceRecord[];
  tenants: TenantRecord[];
  keys: KeyRecord[];
  revisions: RevisionRecord[];
  traffic: Record<string, TrafficPolicy | undefined>;
  flags?: JsonObject;
  /** `name@alias` of the aliases of the models that models.seed names. */
  aliases: string[];
  gateway: GatewayDocument;
}

export interface PlanOptions {
  /** Delete what the files do not declare; otherwise it is left (`leave`). */
  prune?: boolean;
}

export function planChanges(desired: DesiredState, live: LiveState, options: PlanOptions = {}): Change[] {
  const changes: Change[] = [];
  const liveServices = new Map(live.services.map((s) => [s.name, s]));
  const liveTenants = new Map(live.tenants.map((t) => [t.id, t]));
  const gone = options.prune === true ? 'delete' : 'leave';

  const existing = new Set(live.aliases);
  for (const alias of [...desired.aliases].sort()) if (!existing.has(alias)) changes.push({ action: 'create', kind: 'alias', name: alias });

  for (const name of sortedUnion(Object.keys(desired.services), liveServices.keys())) {
    const want = desired.services[name];
    const have = liveServices.get(name);
    if (want === undefined) {
      changes.push({ action: gone, kind: 'service', name, ...(gone === 'delete' ? { note: 'stops its instances' } : {}) });
      continue;
    }
    changes.push(...diff('service', name, have?.spec, want.spec));
    if (want.needsRevision) {
      const latest = live.revisions.filter((r) => r.service === name && r.state !== 'failed').at(-1);
      const fields = fieldChanges(latest === undefined ? {} : comparableRevisionSpec(latest.spec), want.revision);
      changes.push({ action: 'create', kind: 'revision', name, fields, note: latest === undefined ? 'first revision' : `replaces ${latest.name}` });
    }
    if (want.traffic !== undefined) {
      const current = have === undefined ? undefined : trafficView(live.traffic[name] ?? DEFAULT_TRAFFIC);
      changes.push(...diff('traffic', name, current, trafficView(want.traffic)));
    }
  }

  for (const id of sortedUnion(Object.keys(desired.tenants), liveTenants.keys())) {
    const want = desired.tenants[id];
    const have = liveTenants.get(id);
    if (want !== undefined) {
      changes.push(...diff('tenant', id, have === undefined ? undefined : tenantInputOf(have), tenantView(want)));
      continue;
    }
    changes.push({ action: gone, kind: 'tenant', name: id });
    if (gone === 'delete') {
      for (const key of live.keys.filter((k) => k.tenantId === id)) changes.push({ action: 'delete', kind: 'key', name: key.id, note: `tenant ${id}` });
    }
  }

  if (desired.flags !== undefined) changes.push(...diff('flags', 'flags', live.flags, desired.flags));

  // The gateway serves one document: a route the files no longer have goes with the next one, --prune or not.
  for (const route of routeChanges(live.gateway, desired.gateway)) changes.push({ action: route.action, kind: 'route', name: route.name, fields: route.fields });
  return changes;
}

/** `kind/name` (`service/echo`, `route/POST /v1/echo`); the flags are one resource, `flags`. */
export function resourceOf(change: Pick<Change, 'kind' | 'name'>): string {
  return change.kind === 'flags' ? 'flags' : `${change.kind}/${change.name}`;
}

/** Only what an apply would change (no `leave`). */
export function pendingChanges(changes: readonly Change[]): Change[] {
  return changes.filter((c) => c.action !== 'leave');
}

/**
 * What would make the apply fail, every problem by path: traffic that
 * names no revision of the service (or does not sum to 100…), and routes to
 * a service that does not exist once the apply is done — both names given.
 */
export function planProblems(desired: DesiredState, live: LiveState, options: PlanOptions = {}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [name, service] of Object.entries(desired.services)) {
    if (service.traffic === undefined) continue;
    try {
      validateTraffic(name, service.traffic, live.revisions.filter((r) => r.service === name));
    } catch (err) {
      if (!(err instanceof MlaasError)) throw err;
      for (const issue of err.errors ?? []) {
        issues.push({ path: `services.${name}.${issue.path.replace(/\.revision$/, '.revisionName')}`, message: issue.message });
      }
    }
  }
  const liveServices = new Set(live.services.map((s) => s.name));
  for (const op of desired.gateway.operations) {
    if (op.backend.kind !== 'service') continue;
    const service = op.backend.service;
    if (desired.services[service] !== undefined || (liveServices.has(service) && options.prune !== true)) continue;
    const why = liveServices.has(service)
      ? 'which this apply deletes (--prune: mlaas.yaml no longer declares it)'
      : 'which mlaas.yaml does not declare and the platform does not run';
    issues.push({ path: `${op.configPath}.x-google-backend.address`, message: `route ${routeName(op)} goes to service ${service}, ${why}` });
  }
  return issues;
}

/** The spec a revision is compared by: its artifact by digest only (where the build lives is not a change). */
export function comparableRevisionSpec(spec: JsonObject): JsonObject {
  const artifact = spec['artifact'] as { digest?: unknown } | undefined;
  return { ...spec, artifact: { digest: artifact?.digest } };
}

function diff(kind: ResourceKind, name: string, old: unknown, now: unknown): Change[] {
  if (old === undefined) return [{ action: 'create', kind, name, fields: fieldChanges({}, now) }];
  const fields = fieldChanges(old, now);
  return fields.length === 0 ? [] : [{ action: 'update', kind, name, fields }];
}

/** A policy in the file's terms (`revisionName`, as Knative). */
export function trafficView(policy: TrafficPolicy): JsonObject {
  const view: JsonObject = {
    targets: policy.targets.map(({ revision, ...t }) => ({ ...(revision === undefined ? {} : { revisionName: revision }), ...t })),
    sticky: policy.sticky,
  };
  if (policy.tenantTags !== undefined && Object.keys(policy.tenantTags).length > 0) view['tenantTags'] = policy.tenantTags;
  if (policy.flagTag !== undefined) view['flagTag'] = policy.flagTag;
  if (policy.mirror !== undefined) view['mirror'] = policy.mirror;
  return JSON.parse(JSON.stringify(view)) as JsonObject;
}

function tenantView(input: TenantInput): JsonObject {
  return JSON.parse(JSON.stringify({ attributes: {}, ...input })) as JsonObject;
}

export function tenantInputOf(t: TenantRecord): JsonObject {
  const input: TenantInput = { displayName: t.displayName, config: t.config, attributes: t.attributes };
  if (t.quota !== undefined) input.quota = t.quota;
  if (t.keyQuota !== undefined) input.keyQuota = t.keyQuota;
  return tenantView(input);
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}

/**
 * The maps the native data plane reads per request, by name, with the file
 * each one is loaded from at start (empty but for `routes`) and then
 * programmed in through the runtime API.
 */
export const MAP_FILES = {
  /** `METHOD/path` → the native operation's fields (haproxy-config.ts `routeEntries`); written with the config. */
  routes: 'routes.map',
  /** `<sha256 hex of its secret>.<key id>` → its tenant, for keys HAProxy may admit. */
  keys: 'keys.map',
  /** A scoped key's id → `scoped`, and `<service>/<key id>` → 1 for each service it may call. */
  scopes: 'scopes.map',
  /** Tenant → its `x-mlaas-config` value. */
  tenants: 'tenants.map',
  /** `<service>/<tenant>` → revision, where the tenant's revision is decided: tenant rule, routing flag, sticky split. */
  pins: 'pins.map',
  /** `<service>/<0…99>` → revision: the split by percent. */
  split: 'split.map',
  /** Revision → the slot backend holding its ready instances; absent while it has none. */
  backends: 'backends.map',
  /** Revision → `GW_AT_CAPACITY|title|429` while its ready instances are at its maxInstances: a queued request that times out gets that problem, not GW_NO_INSTANCE's 503. */
  capacity: 'capacity.map',
  /** `<deadline ms>/<revision>` → the lesser of that deadline and the revision's timeoutSeconds, in ms, for each deadline of the native operations to its service. */
  timeouts: 'timeouts.map',
  /** Native operation index → the ID token its backend gets. */
  tokens: 'tokens.map',
} as const;

export type MapName = keyof typeof MAP_FILES;

export const MAP_NAMES = Object.keys(MAP_FILES) as MapName[];

/** The live maps' contents: map name → key → value. */
export type MapContents = Record<MapName, Map<string, string>>;

export function emptyMaps(): MapContents {
  return Object.fromEntries(MAP_NAMES.map((n) => [n, new Map<string, string>()])) as MapContents;
}

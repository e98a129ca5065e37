/**
 * Turns a gateway-document operation into what the per-request path needs,
 * once at config load: the operation's security requirements as indexes into
 * the places a key or a JWT may be, the answer for a caller who meets none,
 * which caller headers and query parameters to strip, and how to build the
 * backend path (Google's `path_translation`).
 */
import type { GatewayOperation, JwtScheme, QuotaCharge, SecurityScheme } from '../config/index.js';
import type { RouteMetrics } from './gateway-metrics.js';

export type KeyLocation = { in: 'header'; name: string } | { in: 'query'; name: string };

export type PreparedBackend =
  | { kind: 'service'; service: string; tag: string | undefined; basePath: string }
  /** `h2`: the document's `protocol: h2` — HTTP/2 to this origin. */
  | { kind: 'url'; origin: string; basePath: string; h2: boolean };

/** One requirement object of `security`: each part it names must pass (AND). */
export interface PreparedRequirement {
  /** Index into `keyLocations` of where its API key must be; undefined when it names none. */
  keyAt: number | undefined;
  /** Index into `jwtSchemes` of the JWT it needs; undefined when it names none. */
  jwtAt: number | undefined;
}

export interface PreparedOperation {
  path: string;
  method: string;
  operationId: string | undefined;
  /** The `route` of metrics and request logs: the operationId, else `METHOD /path/{template}`. */
  routeLabel: string;
  /** This route's metric series, set by the gateway when it keeps metrics. */
  routeMetrics: RouteMetrics | undefined;
  /**
   * The requirements a caller may meet (OR), those naming a key first, so
   * that a request meeting several takes its tenant from the key; `{}`
   * requirements are not listed but make `anonymous` true.
   */
  requirements: readonly PreparedRequirement[];
  /** A caller without credentials is admitted: the operation has no security, or lists `{}`. */
  anonymous: boolean;
  /** Where a key may be presented, in the document's order; the first present one is checked. */
  keyLocations: readonly KeyLocation[];
  /** The JWT schemes the requirements name, each once. */
  jwtSchemes: readonly JwtScheme[];
  /** The 401 detail for a caller who meets no requirement, built once. */
  needs: string;
  /** Lower-case header names never forwarded: every key header of the document, checked here or not. */
  keyHeaders: ReadonlySet<string>;
  /** Query parameters never forwarded: every key parameter of the document, checked here or not. */
  keyQueryParams: ReadonlySet<string>;
  backend: PreparedBackend;
  pathTranslation: 'APPEND_PATH_TO_ADDRESS' | 'CONSTANT_ADDRESS';
  deadlineMs: number;
  /** The gateway document's limits a request is charged against; empty for most operations. */
  quota: readonly QuotaCharge[];
  /** The `aud` of the ID token sent to the backend; undefined: none is sent (`disable_auth`). */
  backendAudience: string | undefined;
}

const NO_CHARGES: readonly QuotaCharge[] = Object.freeze([]);

export function prepareOperation(op: GatewayOperation): PreparedOperation {
  const keyLocations: KeyLocation[] = [];
  const jwtSchemes: JwtScheme[] = [];
  const withKey: PreparedRequirement[] = [];
  const withoutKey: PreparedRequirement[] = [];
  let anonymous = op.security.length === 0;
  for (const requirement of op.security) {
    if (requirement.length === 0) anonymous = true;
    else (requirement.some((s) => s.type === 'apiKey') ? withKey : withoutKey).push(prepareRequirement(requirement, keyLocations, jwtSchemes));
  }
  const keyHeaders = new Set<string>();
  const keyQueryParams = new Set<string>();
  for (const l of keyLocations) (l.in === 'header' ? keyHeaders : keyQueryParams).add(l.name);
  // A key sent where this operation checks none is still the caller's secret.
  for (const scheme of op.apiKeySchemes) (scheme.in === 'header' ? keyHeaders : keyQueryParams).add(scheme.keyName);

  return {
    path: op.path,
    method: op.method,
    operationId: op.operationId,
    routeLabel: op.operationId ?? `${op.method.toUpperCase()} ${op.path}`,
    routeMetrics: undefined,
    requirements: [...withKey, ...withoutKey],
    anonymous,
    keyLocations,
    jwtSchemes,
    needs: `this operation needs ${op.security.filter((r) => r.length > 0).map(describeRequirement).join(', or ')}`,
    keyHeaders,
    keyQueryParams,
    backend: prepareBackend(op.backend, op.protocol === 'h2'),
    pathTranslation: op.pathTranslation,
    deadlineMs: op.deadlineMs,
    quota: op.quota ?? NO_CHARGES,
    backendAudience: op.backendAudience,
  };
}

/** The requirement as indexes, adding its key location and JWT scheme to the operation's lists when new. */
function prepareRequirement(requirement: readonly SecurityScheme[], keyLocations: KeyLocation[], jwtSchemes: JwtScheme[]): PreparedRequirement {
  const prepared: PreparedRequirement = { keyAt: undefined, jwtAt: undefined };
  for (const scheme of requirement) {
    if (scheme.type === 'jwt') {
      let at = jwtSchemes.indexOf(scheme);
      if (at < 0) at = jwtSchemes.push(scheme) - 1;
      prepared.jwtAt = at;
      continue;
    }
    let at = keyLocations.findIndex((l) => l.in === scheme.in && l.name === scheme.keyName);
    if (at < 0) at = keyLocations.push({ in: scheme.in, name: scheme.keyName }) - 1;
    prepared.keyAt = at;
  }
  return prepared;
}

function describeRequirement(requirement: readonly SecurityScheme[]): string {
  const keyFirst = [...requirement].sort((a, b) => Number(a.type === 'jwt') - Number(b.type === 'jwt'));
  return keyFirst.map(describeScheme).join(' together with ');
}

function describeScheme(scheme: SecurityScheme): string {
  if (scheme.type === 'apiKey') return `an API key (${scheme.in === 'header' ? 'header' : 'query parameter'} ${scheme.keyName})`;
  const places = scheme.locations.map((l) =>
    l.in === 'query' ? `query parameter ${l.name}` : l.valuePrefix === '' ? `header ${l.name}` : `header ${l.name} after "${l.valuePrefix}"`,
  );
  return `a JWT of ${scheme.name} (${places.join(', ')})`;
}

function prepareBackend(backend: GatewayOperation['backend'], h2: boolean): PreparedBackend {
  if (backend.kind === 'service') {
    return { kind: 'service', service: backend.service, tag: backend.tag, basePath: trimSlash(backend.path) };
  }
  const url = new URL(backend.url);
  return { kind: 'url', origin: url.origin, basePath: trimSlash(url.pathname), h2 };
}

function trimSlash(p: string): string {
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * The path and query the backend receives, with Google's semantics:
 * APPEND_PATH_TO_ADDRESS appends the request path (a trailing "/" included)
 * to the address; CONSTANT_ADDRESS sends the address as is and appends the
 * path variables to the query after the caller's parameters
 * (`/users/{uid}` → `address?timezone=EST&uid=johndoe`), each value as the
 * caller wrote it in the path, as ESPv2 does. Key parameters never reach the
 * backend; the rest of the query goes as the caller wrote it.
 */
export function backendPath(
  prep: PreparedOperation,
  requestPath: string,
  rawQuery: string,
  params: Record<string, string> | undefined,
): string {
  const path =
    prep.pathTranslation === 'APPEND_PATH_TO_ADDRESS' ? prep.backend.basePath + requestPath : prep.backend.basePath || '/';
  let query = rawQuery === '' || prep.keyQueryParams.size === 0 ? rawQuery : withoutParams(rawQuery, prep.keyQueryParams);
  if (params !== undefined && prep.pathTranslation === 'CONSTANT_ADDRESS') {
    for (const name in params) {
      const added = `${encodeURIComponent(name)}=${asQueryValue(params[name] as string)}`;
      query = query === '' ? added : `${query}&${added}`;
    }
  }
  return query === '' ? path : `${path}?${query}`;
}

/** `rawQuery` without the parameters named in `names` (compared decoded); the others untouched. */
function withoutParams(rawQuery: string, names: ReadonlySet<string>): string {
  const parts = rawQuery.split('&');
  const kept = parts.filter((part) => {
    const eq = part.indexOf('=');
    const raw = eq < 0 ? part : part.slice(0, eq);
    return !names.has(raw) && !names.has(decodeName(raw));
  });
  return kept.length === parts.length ? rawQuery : kept.join('&');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/**
 * A path segment's text as a query value: already percent-encoded as the
 * caller sent it, except that "&" would end the parameter and "+" would read
 * as a space in a query, so these two are encoded to keep the value's meaning.
 */
function asQueryValue(raw: string): string {
  return raw.includes('&') || raw.includes('+') ? raw.replaceAll('&', '%26').replaceAll('+', '%2B') : raw;
}

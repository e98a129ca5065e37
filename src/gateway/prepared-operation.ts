/**
 * Turns a gateway-document operation into what the per-request path needs,
 * once at config load: where the API key may be, which caller headers and
 * query parameters to strip, and how to build the backend path (Google's
 * `path_translation`).
 */
import type { GatewayOperation, JwtScheme, QuotaCharge } from '../config/index.js';

export type KeyLocation = { in: 'header'; name: string } | { in: 'query'; name: string };

export type PreparedBackend =
  | { kind: 'service'; service: string; tag: string | undefined; basePath: string }
  | { kind: 'url'; origin: string; basePath: string };

export interface PreparedOperation {
  path: string;
  method: string;
  operationId: string | undefined;
  /**
   * False when the operation's security is empty (anyone may call it) or
   * lists an empty requirement `{}` (a key is checked when one is presented).
   */
  authRequired: boolean;
  /** Where a key may be presented, in the document's order; the first present one is checked. */
  keyLocations: readonly KeyLocation[];
  /** JWT schemes whose bearer token (`Authorization: Bearer …`) is accepted instead of a key. */
  jwtSchemes: readonly JwtScheme[];
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
  const seen = new Set<string>();
  for (const requirement of op.security) {
    for (const scheme of requirement) {
      // Any one scheme of any requirement admits the caller: mlaas does not AND a key with a token.
      if (scheme.type === 'jwt') {
        if (!jwtSchemes.some((s) => s.name === scheme.name)) jwtSchemes.push(scheme);
        continue;
      }
      const name = scheme.in === 'header' ? scheme.keyName.toLowerCase() : scheme.keyName;
      const id = `${scheme.in}:${name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      keyLocations.push({ in: scheme.in, name });
    }
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
    authRequired: op.security.length > 0 && op.security.every((requirement) => requirement.length > 0),
    keyLocations,
    jwtSchemes,
    keyHeaders,
    keyQueryParams,
    backend: prepareBackend(op.backend),
    pathTranslation: op.pathTranslation,
    deadlineMs: op.deadlineMs,
    quota: op.quota ?? NO_CHARGES,
    backendAudience: op.backendAudience,
  };
}

function prepareBackend(backend: GatewayOperation['backend']): PreparedBackend {
  if (backend.kind === 'service') {
    return { kind: 'service', service: backend.service, tag: backend.tag, basePath: trimSlash(backend.path) };
  }
  const url = new URL(backend.url);
  return { kind: 'url', origin: url.origin, basePath: trimSlash(url.pathname) };
}

function trimSlash(p: string): string {
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * The path and query the backend receives, with Google's semantics:
 * APPEND_PATH_TO_ADDRESS appends the request path to the address;
 * CONSTANT_ADDRESS sends the address as is and passes path parameters as
 * query parameters. Key parameters never reach the backend; the rest of the
 * query goes as the caller wrote it.
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
    const added = new URLSearchParams(params).toString();
    query = query === '' ? added : `${query}&${added}`;
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

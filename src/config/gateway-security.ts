/**
 * `securityDefinitions` and `security` with OpenAPI 2.0 / Google API Gateway
 * meaning: a list of requirements (OR), each naming schemes that must all be
 * met (AND). mlaas enforces API keys in a header or the query and Google's
 * JWT form (an oauth2 definition with `x-google-issuer`, `x-google-jwks_uri`,
 * `x-google-audiences`, `x-google-jwt-locations`), plus `x-mlaas-tenant-claim`:
 * the claim naming the tenant.
 */
import type { FieldIssue } from '../errors.js';
import { isJsonObject } from '../api/json-object.js';
import { DEFAULT_JWT_LOCATIONS, parseJwtLocations, type JwtLocation } from './jwt-locations.js';
import { describeValue, formatPath } from '../api/zod-issues.js';

export interface ApiKeyScheme {
  /** The name under `securityDefinitions`. */
  name: string;
  type: 'apiKey';
  in: 'header' | 'query';
  /** The header (lower-cased, as Node presents headers) or query parameter that carries the key. */
  keyName: string;
}

export interface JwtScheme {
  name: string;
  type: 'jwt';
  issuer: string;
  /** A JWKS URL or a local file path (relative to the gateway document); OpenID discovery from the issuer when absent. */
  jwksUri?: string;
  audiences: string[];
  /** Where the token may be, in order (`x-google-jwt-locations`, else Google's defaults). */
  locations: readonly JwtLocation[];
  /** The claim that names the tenant; `sub` unless `x-mlaas-tenant-claim` says otherwise. */
  tenantClaim: string;
}

export type SecurityScheme = ApiKeyScheme | JwtScheme;

/** Scheme name → scheme; `null` for a definition already reported as unusable. */
export type SecurityDefinitions = ReadonlyMap<string, SecurityScheme | null>;

export function parseSecurityDefinitions(raw: unknown, issues: FieldIssue[]): SecurityDefinitions {
  const defs = new Map<string, SecurityScheme | null>();
  if (raw === undefined) return defs;
  if (!isJsonObject(raw)) {
    issues.push({ path: 'securityDefinitions', message: `expected a map, got ${describeValue(raw)}` });
    return defs;
  }
  for (const [name, def] of Object.entries(raw)) {
    defs.set(name, parseScheme(name, def, ['securityDefinitions', name], issues) ?? null);
  }
  return defs;
}

function parseScheme(name: string, def: unknown, at: string[], issues: FieldIssue[]): SecurityScheme | undefined {
  const fail = (field: string | undefined, message: string) => {
    issues.push({ path: formatPath(field === undefined ? at : [...at, field]), message });
    return undefined;
  };
  if (!isJsonObject(def)) return fail(undefined, `expected a map, got ${describeValue(def)}`);
  if (def.type === 'apiKey') {
    if (def.in !== 'header' && def.in !== 'query') return fail('in', `expected "header" or "query", got ${describeValue(def.in)}`);
    if (typeof def.name !== 'string' || def.name === '') return fail('name', `expected the header or query parameter name, got ${describeValue(def.name)}`);
    return { name, type: 'apiKey', in: def.in, keyName: def.in === 'header' ? def.name.toLowerCase() : def.name };
  }
  if (def.type === 'oauth2' && def['x-google-issuer'] !== undefined) {
    const issuer = def['x-google-issuer'];
    const jwksUri = def['x-google-jwks_uri'];
    const audiences = def['x-google-audiences'];
    const tenantClaim = def['x-mlaas-tenant-claim'] ?? 'sub';
    if (typeof issuer !== 'string' || issuer === '') return fail('x-google-issuer', `expected the JWT issuer, got ${describeValue(issuer)}`);
    if (jwksUri !== undefined && typeof jwksUri !== 'string') return fail('x-google-jwks_uri', `expected a URL, got ${describeValue(jwksUri)}`);
    if (audiences !== undefined && typeof audiences !== 'string') {
      return fail('x-google-audiences', `expected comma-separated audiences, got ${describeValue(audiences)}`);
    }
    if (typeof tenantClaim !== 'string' || tenantClaim === '') {
      return fail('x-mlaas-tenant-claim', `expected the name of the claim that names the tenant, got ${describeValue(tenantClaim)}`);
    }
    const rawLocations = def['x-google-jwt-locations'];
    const locations = rawLocations === undefined ? DEFAULT_JWT_LOCATIONS : parseJwtLocations(rawLocations, [...at, 'x-google-jwt-locations'], issues);
    if (locations === undefined) return undefined;
    return {
      name,
      type: 'jwt',
      issuer,
      ...(jwksUri === undefined ? {} : { jwksUri }),
      audiences: audiences === undefined ? [] : audiences.split(',').map((a) => a.trim()).filter((a) => a !== ''),
      locations,
      tenantClaim,
    };
  }
  return fail(
    'type',
    `unsupported security scheme: expected apiKey (in header or query) or oauth2 with x-google-issuer (JWT), got ${describeValue(def.type)}`,
  );
}

/** The usable API-key definitions, in the document's order. */
export function apiKeySchemesOf(defs: SecurityDefinitions): ApiKeyScheme[] {
  const out: ApiKeyScheme[] = [];
  for (const scheme of defs.values()) if (scheme?.type === 'apiKey') out.push(scheme);
  return out;
}

/**
 * Resolves a `security` list found at `at` into schemes: OR of ANDs, `[]`
 * meaning no authentication. Requirements that name unusable definitions are
 * dropped (their definition is already reported). A requirement ANDs at most
 * one API key with at most one JWT: Google's compiler refuses two JWT schemes
 * in one requirement, and ESPv2 reads one API key per request, so a
 * conjunction of two would mean something Google never does.
 */
export function resolveSecurity(
  raw: unknown,
  at: readonly PropertyKey[],
  defs: SecurityDefinitions,
  issues: FieldIssue[],
): SecurityScheme[][] {
  if (!Array.isArray(raw)) {
    issues.push({ path: formatPath(at), message: `expected a list of security requirements, got ${describeValue(raw)}` });
    return [];
  }
  const out: SecurityScheme[][] = [];
  raw.forEach((requirement: unknown, i) => {
    if (!isJsonObject(requirement)) {
      issues.push({ path: formatPath([...at, i]), message: `expected a map of scheme names, got ${describeValue(requirement)}` });
      return;
    }
    const all: SecurityScheme[] = [];
    let usable = true;
    for (const name of Object.keys(requirement)) {
      const scheme = defs.get(name);
      if (scheme === undefined) {
        const known = defs.size === 0 ? 'none' : [...defs.keys()].join(', ');
        issues.push({ path: formatPath([...at, i, name]), message: `undefined security scheme (securityDefinitions has: ${known})` });
        usable = false;
      } else if (scheme === null) {
        usable = false;
      } else {
        const twin = all.find((s) => s.type === scheme.type);
        if (twin !== undefined) {
          issues.push({ path: formatPath([...at, i, name]), message: conjunctionRefusal(twin, scheme) });
          usable = false;
        }
        all.push(scheme);
      }
    }
    if (usable) out.push(all);
  });
  return out;
}

function conjunctionRefusal(first: SecurityScheme, second: SecurityScheme): string {
  const names = `${first.name} and ${second.name}`;
  return first.type === 'jwt'
    ? `one requirement names two JWT schemes (${names}), which Google's ESP and ESPv2 refuse: list them as separate requirements (either token then passes)`
    : `one requirement names two API-key schemes (${names}); ESP and ESPv2 read one API key per request: name one of them, or list them as separate requirements`;
}

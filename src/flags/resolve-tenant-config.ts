/**
 * The settings a service receives in `x-mlaas-config`, in order of
 * precedence: the tenant's static config, then flag values (each under its
 * flag key), then request-level settings — only the keys the service
 * declares overridable. Merged shallowly: a later layer replaces a key whole.
 *
 * Request settings arrive in the `x-mlaas-settings` header as base64url
 * JSON of an object, the same encoding as `x-mlaas-config`. A header rather
 * than a body field because the gateway forwards bodies untouched (they may
 * be large, streamed or not JSON at all) and a header costs one decode.
 */
import { encodeConfigHeader, SETTINGS_HEADER } from '../api/service-contract.js';
import { MlaasError } from '../errors.js';
import type { ResolvedTenantConfig } from './tenant-config-cache.js';

export { encodeConfigHeader, SETTINGS_HEADER } from '../api/service-contract.js';

/** The request header a caller sets to override settings for one request. */

export interface ResolvedRequestConfig extends ResolvedTenantConfig {
  /** Request settings left out because the service does not declare them overridable. */
  ignored: readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Layers a request's settings over the tenant's resolved config. Without
 * settings this returns the precomputed header: only requests that carry
 * overrides pay for a merge and an encode.
 *
 * @example
 * const base = cache.forTenant('acme');                    // tenant config + flags, memoized
 * const settings = parseRequestSettings(req.headers['x-mlaas-settings']);
 * const { header, ignored } = resolveTenantConfig(base, service.overridable, settings);
 */
export function resolveTenantConfig(
  base: ResolvedTenantConfig,
  overridable: ReadonlySet<string>,
  settings: Readonly<Record<string, unknown>> | undefined,
): ResolvedRequestConfig {
  if (settings === undefined) return { config: base.config, header: base.header, ignored: NONE };
  const applied: Array<[string, unknown]> = [];
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (overridable.has(key)) applied.push([key, value]);
    else ignored.push(key);
  }
  if (applied.length === 0) return { config: base.config, header: base.header, ignored: ignored.length > 0 ? ignored : NONE };
  // fromEntries defines own properties, so a key such as "__proto__" stays data, never a prototype.
  const config = Object.fromEntries([...Object.entries(base.config), ...applied]);
  return { config, header: encodeConfigHeader(config), ignored: ignored.length > 0 ? ignored : NONE };
}

/**
 * Decodes `x-mlaas-settings`; undefined when the header is absent or empty.
 *
 * @throws MlaasError GW_SETTINGS_INVALID when it is not base64url JSON of an object.
 */
export function parseRequestSettings(header: string | string[] | undefined): Record<string, unknown> | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  let parsed: unknown;
  try {
    if (!BASE64URL.test(value)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalid('got text that does not decode to JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`got ${Array.isArray(parsed) ? 'a list' : JSON.stringify(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

function invalid(found: string, cause?: unknown): MlaasError {
  return new MlaasError('GW_SETTINGS_INVALID', `${SETTINGS_HEADER}: expected base64url JSON of an object, ${found}`, {
    errors: [{ path: SETTINGS_HEADER, message: `expected base64url JSON of an object, ${found}` }],
    cause,
  });
}

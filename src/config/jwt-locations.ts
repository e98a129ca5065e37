/**
 * `x-google-jwt-locations` on a JWT security definition: where the gateway
 * looks for the token, in order, the first one present winning — a header,
 * optionally after a `value_prefix`, or a query parameter. Without the
 * extension, Google's defaults: `Authorization` after `Bearer `, the
 * `X-Goog-Iap-Jwt-Assertion` header, the `access_token` query parameter.
 * See https://cloud.google.com/endpoints/docs/openapi/openapi-extensions#x-google-jwt-locations.
 * ESPv2 reads header and query locations only (it skips a `cookie` one), so
 * mlaas refuses anything else rather than ignore it.
 */
import type { FieldIssue } from '../errors.js';
import { isJsonObject } from '../api/json-object.js';
import { describeValue, formatPath } from '../api/zod-issues.js';

export type JwtLocation =
  /** `name` lower-cased, as Node presents headers; `valuePrefix` '' when the whole value is the token. */
  | { in: 'header'; name: string; valuePrefix: string }
  | { in: 'query'; name: string };

export const DEFAULT_JWT_LOCATIONS: readonly JwtLocation[] = Object.freeze([
  { in: 'header', name: 'authorization', valuePrefix: 'Bearer ' },
  { in: 'header', name: 'x-goog-iap-jwt-assertion', valuePrefix: '' },
  { in: 'query', name: 'access_token' },
]);

/** Reads the extension's value found at `at`; undefined (problems in `issues`) when it is unusable. */
export function parseJwtLocations(raw: unknown, at: readonly PropertyKey[], issues: FieldIssue[]): JwtLocation[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.push({ path: formatPath(at), message: `expected a list of at least one { header[, value_prefix] } or { query }, got ${describeValue(raw)}` });
    return undefined;
  }
  const out: JwtLocation[] = [];
  let usable = true;
  raw.forEach((item: unknown, i) => {
    const location = parseLocation(item, [...at, i], issues);
    if (location === undefined) usable = false;
    else out.push(location);
  });
  return usable ? out : undefined;
}

function parseLocation(item: unknown, at: readonly PropertyKey[], issues: FieldIssue[]): JwtLocation | undefined {
  const fail = (field: string | undefined, message: string) => {
    issues.push({ path: formatPath(field === undefined ? at : [...at, field]), message });
    return undefined;
  };
  if (!isJsonObject(item)) return fail(undefined, `expected { header[, value_prefix] } or { query }, got ${describeValue(item)}`);
  for (const key of Object.keys(item)) {
    if (key !== 'header' && key !== 'query' && key !== 'value_prefix') {
      return fail(key, 'unsupported JWT location field: mlaas reads header (with value_prefix) and query locations, as ESPv2 does');
    }
  }
  const { header, query, value_prefix: prefix } = item;
  if ((header === undefined) === (query === undefined)) return fail(undefined, 'expected exactly one of header or query');
  if (query !== undefined) {
    if (typeof query !== 'string' || query === '') return fail('query', `expected a query parameter name, got ${describeValue(query)}`);
    if (prefix !== undefined) return fail('value_prefix', 'value_prefix applies to a header location only');
    return { in: 'query', name: query };
  }
  if (typeof header !== 'string' || header === '') return fail('header', `expected a header name, got ${describeValue(header)}`);
  if (prefix !== undefined && typeof prefix !== 'string') return fail('value_prefix', `expected the text before the token, got ${describeValue(prefix)}`);
  return { in: 'header', name: header.toLowerCase(), valuePrefix: prefix ?? '' };
}

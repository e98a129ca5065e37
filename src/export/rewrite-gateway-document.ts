/**
 * The gateway document with every `x-google-backend` that names a platform
 * service (`mlaas://SERVICE[@TAG][/PATH]`) pointed at the service's URL on
 * the export target, everything else as written. What Google reads keeps its
 * meaning:
 * - `path_translation` stays as written (or absent): Google's default depends
 *   only on where the extension sits (APPEND_PATH_TO_ADDRESS at the top
 *   level, CONSTANT_ADDRESS in an operation), mlaas applies the same
 *   defaults, and the rewrite keeps every extension where it was. The PATH
 *   goes into the address as mlaas reads it (trailing "/" dropped), so that
 *   appending a request path never doubles a slash.
 * - `deadline`, `disable_auth`, `protocol` and the document's security stay.
 * - the ID token's audience: a `jwt_audience` of the form `mlaas://SERVICE`
 *   becomes that service's URL. Without one, Google's default (the address)
 *   is right for a service's own URL; for a Cloud Run tag URL the audience
 *   is set to the service's URL, the audience Cloud Run always accepts.
 * Google's copy drops `x-mlaas-*` (Google does not read them); mlaas's own
 * copy (the mlaas-gateway build context) keeps them and writes every `$` as
 * `$$`, because mlaas substitutes `${VAR}` when it reads the file.
 */
import type { FieldIssue } from '../errors.js';
import { configError } from '../config/config-error.js';
import { parseBackendRule, type BackendLevel } from '../config/gateway-backend.js';
import { isJsonObject, type JsonObject } from '../api/json-object.js';
import { formatPath } from '../api/zod-issues.js';
import type { ExportInput, ExportOptions } from './export-types.js';
import { mappedUrl, serviceUrl } from './service-url.js';
import type { UrlMap } from './url-map.js';

export interface RewriteOptions {
  /** The copy mlaas itself reads (keeps `x-mlaas-*`, escapes `$`). */
  forMlaas?: boolean;
  /** The `--url-map` file's name, for messages. */
  urlMapFile?: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
/** `mlaas://SERVICE…` as a `jwt_audience`: the token is for that service. */
export const AUDIENCE_SERVICE = /^mlaas:\/\/([^/@?#]+)/;

/** Throws `CONFIG_INVALID` when a `--url-map` has no URL for an address the document uses. */
export function rewriteGatewayDocument(input: ExportInput, options: ExportOptions, urls?: UrlMap, rewrite: RewriteOptions = {}): JsonObject {
  const doc = structuredClone(input.documentSource);
  const missing: FieldIssue[] = [];
  const urlOf = (service: string, tag: string | undefined, at: readonly PropertyKey[]): string => {
    if (urls === undefined) return serviceUrl(service, tag, options);
    const url = mappedUrl(service, tag, urls);
    if (url !== undefined) return url;
    const key = tag === undefined ? service : `${service}@${tag}`;
    missing.push({ path: key, message: `no URL for ${key}, which ${input.documentName} uses at ${formatPath(at)}` });
    return serviceUrl(service, tag, options);
  };
  const rewriteAt = (holder: JsonObject, at: readonly PropertyKey[], level: BackendLevel) => {
    const raw = holder['x-google-backend'];
    if (!isJsonObject(raw) || typeof raw.address !== 'string' || !raw.address.startsWith('mlaas:')) return;
    const where = [...at, 'x-google-backend'];
    const issues: FieldIssue[] = [];
    const rule = parseBackendRule(raw, where, level, undefined, issues);
    if (rule?.backend.kind !== 'service') throw configError('GATEWAY_DOC_INVALID', input.documentName, issues);
    const { service, tag, path } = rule.backend;
    const backend: JsonObject = { ...raw, address: urlOf(service, tag, [...where, 'address']) + path };
    const audience = typeof raw.jwt_audience === 'string' ? AUDIENCE_SERVICE.exec(raw.jwt_audience) : null;
    if (audience?.[1] !== undefined) {
      backend.jwt_audience = urlOf(audience[1], undefined, [...where, 'jwt_audience']);
    } else if (options.target === 'cloudrun' && tag !== undefined && raw.jwt_audience === undefined && raw.disable_auth !== true) {
      const base = urls === undefined ? serviceUrl(service, undefined, options) : mappedUrl(service, undefined, urls);
      if (base !== undefined) backend.jwt_audience = base;
    }
    holder['x-google-backend'] = backend;
  };

  eachBackendHolder(doc, rewriteAt);
  if (missing.length > 0) throw configError('CONFIG_INVALID', rewrite.urlMapFile ?? 'url map', missing);
  if (rewrite.forMlaas === true) return escapeDollars(doc) as JsonObject;
  if (isJsonObject(doc.securityDefinitions)) {
    for (const def of Object.values(doc.securityDefinitions)) {
      if (!isJsonObject(def)) continue;
      for (const key of Object.keys(def)) if (key.startsWith('x-mlaas-')) delete def[key];
    }
  }
  return doc;
}

/** Calls `fn` with each map that may hold an `x-google-backend`: the document, then each operation. */
export function eachBackendHolder(doc: JsonObject, fn: (holder: JsonObject, at: readonly PropertyKey[], level: BackendLevel) => void): void {
  fn(doc, [], 'top');
  if (!isJsonObject(doc.paths)) return;
  for (const [pathKey, item] of Object.entries(doc.paths)) {
    if (!isJsonObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (isJsonObject(op)) fn(op, ['paths', pathKey, method], 'operation');
    }
  }
}

/** Every string value with `$` written `$$`, which mlaas's `${VAR}` substitution reads back as the `$` it was. */
export function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
  return value;
}

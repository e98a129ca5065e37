/**
 * The gateway document — OpenAPI 2.0 in Google API Gateway's form, as in the
 * seed's api-gateway.yaml — read into the operations the gateway serves, with
 * Google's defaults for backends and security applied. Pure: no I/O, no
 * Swagger schema check (loadGatewayDocument adds that).
 */
import type { FieldIssue } from '../errors.js';
import { configError } from './config-error.js';
import { allowsUnlisted, UNLISTED_PATH, unlistedOperations } from './gateway-allow.js';
import { parseBackendRule, type BackendRule } from './gateway-backend.js';
import { allowsCors, CorsRoutes } from './gateway-cors.js';
import { refuseUnreadExtensions } from './gateway-extensions.js';
import { checkPathKey, reportDuplicateRoutes } from './gateway-paths.js';
import { parseManagement, parseOperationQuota } from './gateway-quota.js';
import { apiKeySchemesOf, parseSecurityDefinitions, resolveSecurity } from './gateway-security.js';
import { isJsonObject } from '../api/json-object.js';
import { describeValue, formatPath } from '../api/zod-issues.js';
import type { GatewayOperation, HttpMethod } from './gateway-operation.js';

export type { GatewayOperation, HttpMethod } from './gateway-operation.js';

export interface GatewayDocument {
  title: string;
  operations: GatewayOperation[];
}

export interface ParseGatewayOptions {
  /** Services defined in mlaas.yaml; when given, `mlaas://` addresses must name one of them. */
  services?: ReadonlySet<string>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/**
 * Like parseGatewayDocument, but returns the problems instead of throwing, so
 * that a caller can merge them with its own.
 */
export function inspectGatewayDocument(
  raw: unknown,
  options: ParseGatewayOptions = {},
): { document: GatewayDocument; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const document: GatewayDocument = { title: '', operations: [] };
  if (!isJsonObject(raw)) {
    issues.push({ path: '', message: `expected an OpenAPI 2.0 document (a map), got ${describeValue(raw)}` });
    return { document, issues };
  }
  if (raw.swagger !== '2.0') {
    issues.push({ path: 'swagger', message: `expected "2.0" (Google API Gateway reads OpenAPI 2.0), got ${describeValue(raw.swagger)}` });
  }
  if (isJsonObject(raw.info) && typeof raw.info.title === 'string') document.title = raw.info.title;
  refuseUnreadExtensions(raw, issues);

  const basePath = typeof raw.basePath === 'string' && raw.basePath !== '/' ? raw.basePath.replace(/\/+$/, '') : '';
  const defs = parseSecurityDefinitions(raw.securityDefinitions, issues);
  const apiKeySchemes = apiKeySchemesOf(defs);
  const quotas = parseManagement(raw['x-google-management'], issues);
  const defaultSecurity = raw.security === undefined ? [] : resolveSecurity(raw.security, ['security'], defs, issues);
  // undefined: no top-level backend; null: one that is unusable and already reported.
  const defaultBackend =
    raw['x-google-backend'] === undefined
      ? undefined
      : (parseBackendRule(raw['x-google-backend'], ['x-google-backend'], 'top', options.services, issues) ?? null);

  if (!isJsonObject(raw.paths)) {
    issues.push({ path: 'paths', message: `expected a map of paths, got ${describeValue(raw.paths)}` });
    return { document, issues };
  }
  const cors = new CorsRoutes();
  for (const [pathKey, item] of Object.entries(raw.paths)) {
    if (pathKey.startsWith('x-')) continue;
    if (!pathKey.startsWith('/')) {
      issues.push({ path: formatPath(['paths', pathKey]), message: `expected a path starting with "/", got ${describeValue(pathKey)}` });
      continue;
    }
    if (!isJsonObject(item)) {
      issues.push({ path: formatPath(['paths', pathKey]), message: `expected a map of operations, got ${describeValue(item)}` });
      continue;
    }
    if (!checkPathKey(basePath, pathKey, issues)) continue;
    // `/` under a basePath is the basePath itself (which also matches with a trailing "/").
    const path = pathKey === '/' && basePath !== '' ? basePath : basePath + pathKey;
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const at = ['paths', pathKey, method];
      if (!isJsonObject(op)) {
        issues.push({ path: formatPath(at), message: `expected an operation (a map), got ${describeValue(op)}` });
        continue;
      }
      const security = op.security === undefined ? defaultSecurity : resolveSecurity(op.security, [...at, 'security'], defs, issues);
      let rule: BackendRule | undefined;
      if (op['x-google-backend'] !== undefined) {
        rule = parseBackendRule(op['x-google-backend'], [...at, 'x-google-backend'], 'operation', options.services, issues);
      } else if (defaultBackend === undefined) {
        issues.push({
          path: formatPath([...at, 'x-google-backend']),
          message: 'expected an x-google-backend here or at the top level, got nothing (mlaas has no --backend flag as ESPv2 does: the document names every backend)',
        });
      } else {
        rule = defaultBackend ?? undefined;
      }
      const quota = parseOperationQuota(op['x-google-quota'], [...at, 'x-google-quota'], quotas, issues);
      if (rule === undefined) continue;
      cors.note(path, method.toUpperCase() as HttpMethod, rule, formatPath(at));
      document.operations.push({
        ...rule,
        path,
        method: method.toUpperCase() as HttpMethod,
        ...(typeof op.operationId === 'string' ? { operationId: op.operationId } : {}),
        security,
        apiKeySchemes,
        configPath: formatPath(at),
        ...(quota.length === 0 ? {} : { quota }),
      });
    }
  }
  reportDuplicateRoutes(document.operations, issues);
  if (allowsUnlisted(raw['x-google-allow'], defaultBackend, issues) && defaultBackend) {
    const unlisted = unlistedOperations(defaultBackend, apiKeySchemes, document.operations);
    for (const op of unlisted) cors.note(UNLISTED_PATH, op.method, defaultBackend, op.configPath);
    document.operations.push(...unlisted);
  }
  if (allowsCors(raw['x-google-endpoints'], raw.host, issues)) document.operations.push(...cors.operations(apiKeySchemes));
  return { document, issues };
}

/**
 * Reads a parsed gateway document; throws `GATEWAY_DOC_INVALID` listing every problem.
 *
 * @example
 * const doc = parseGatewayDocument(YAML.parse(text), { services: new Set(['spam-filter']) });
 * doc.operations[0]; // { path: '/v1/service-1/endpoint-1', method: 'POST', backend: { kind: 'service', … }, … }
 */
export function parseGatewayDocument(raw: unknown, options: ParseGatewayOptions = {}): GatewayDocument {
  const { document, issues } = inspectGatewayDocument(raw, options);
  if (issues.length > 0) {
    throw configError('GATEWAY_DOC_INVALID', 'gateway document', issues);
  }
  return document;
}

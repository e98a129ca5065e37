/**
 * `x-google-endpoints` (top level): `[{ name, allowCors, target }]`. With
 * `allowCors: true` on the entry that names the API's host, CORS requests
 * pass through to the backend, as ESPv2 does it: every route the document
 * has no OPTIONS operation for gets one, without authentication (a browser's
 * preflight carries no credentials), sent to the backend of the route's
 * first operation. Without it, an OPTIONS request the document does not
 * list is answered by the gateway (405). `target` (a DNS record for
 * Endpoints) changes nothing the gateway does.
 * See https://cloud.google.com/endpoints/docs/openapi/support-cors.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors.js';
import type { BackendRule } from './gateway-backend.js';
import type { GatewayOperation, HttpMethod } from './gateway-operation.js';
import type { ApiKeyScheme } from './gateway-security.js';
import { parsePathTemplate, templateKey } from './path-template.js';
import { strictObject } from '../api/schema-fields.js';
import { describeIssue, describeValue, fieldIssuesOf, formatPath } from '../api/zod-issues.js';

const EndpointsSchema = z.array(
  strictObject({
    name: z.string().min(1),
    allowCors: z.boolean().optional(),
    target: z.string().optional(),
  }),
);

/** Reads `x-google-endpoints`; true when CORS requests pass through to the backends. */
export function allowsCors(raw: unknown, host: unknown, issues: FieldIssue[]): boolean {
  if (raw === undefined) return false;
  const result = EndpointsSchema.safeParse(raw, { error: describeIssue, reportInput: true });
  if (!result.success) {
    issues.push(...fieldIssuesOf(result.error, ['x-google-endpoints']));
    return false;
  }
  let allow = false;
  result.data.forEach((entry, i) => {
    if (entry.allowCors !== true) return;
    // Google applies allowCors only for the entry that names the service, which is the document's host.
    if (typeof host === 'string' && entry.name !== host) {
      issues.push({
        path: formatPath(['x-google-endpoints', i, 'name']),
        message: `allowCors applies to the entry that names the API's host ${describeValue(host)} (the document's host), got ${describeValue(entry.name)}`,
      });
      return;
    }
    allow = true;
  });
  return allow;
}

/**
 * Collects, route by route, what the generated OPTIONS operations need: the
 * backend rule of each route's first operation (not the operation itself,
 * so nothing else of it — its quota costs, its operationId — rides along),
 * and whether the document already has an OPTIONS operation there.
 */
export class CorsRoutes {
  readonly #routes = new Map<string, { path: string; rule: BackendRule; configPath: string; hasOptions: boolean }>();

  note(path: string, method: HttpMethod, rule: BackendRule, configPath: string): void {
    const parsed = parsePathTemplate(path);
    if (!parsed.ok) return;
    const key = templateKey(parsed.template);
    let route = this.#routes.get(key);
    if (route === undefined) {
      route = { path, rule, configPath, hasOptions: false };
      this.#routes.set(key, route);
    }
    if (method === 'OPTIONS') route.hasOptions = true;
  }

  /** One OPTIONS operation per route that has none, open to anyone. */
  operations(apiKeySchemes: ApiKeyScheme[]): GatewayOperation[] {
    const out: GatewayOperation[] = [];
    for (const route of this.#routes.values()) {
      if (route.hasOptions) continue;
      out.push({
        ...route.rule,
        path: route.path,
        method: 'OPTIONS',
        security: [],
        apiKeySchemes,
        configPath: `x-google-endpoints (allowCors, for ${route.configPath})`,
      });
    }
    return out;
  }
}

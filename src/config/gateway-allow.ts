/**
 * `x-google-allow` (top level) with Google's meaning: `configured` (the
 * default) serves only the document's operations; `all` lets calls to
 * anything else through — with or without a key or token — to the top-level
 * `x-google-backend`, as Service Management's generated catch-all operations
 * do (GET, DELETE, PATCH, POST and PUT on `/**`, no authentication).
 * See https://cloud.google.com/endpoints/docs/openapi/openapi-extensions#x-google-allow.
 */
import type { FieldIssue } from '../errors.js';
import type { BackendRule } from './gateway-backend.js';
import type { GatewayOperation, HttpMethod } from './gateway-operation.js';
import type { ApiKeyScheme } from './gateway-security.js';
import { describeValue } from '../api/zod-issues.js';

/** The methods Google's generated catch-all operations take. */
const UNLISTED_METHODS: readonly HttpMethod[] = ['GET', 'DELETE', 'PATCH', 'POST', 'PUT'];

/** The template of the catch-all: every path, none bound to a variable. */
export const UNLISTED_PATH = '/**';

/**
 * Reads `x-google-allow`; true for `all`. `topBackend` is the top-level rule
 * (undefined: none; null: one already reported as unusable).
 */
export function allowsUnlisted(raw: unknown, topBackend: BackendRule | null | undefined, issues: FieldIssue[]): boolean {
  if (raw === undefined || raw === 'configured') return false;
  if (raw !== 'all') {
    issues.push({ path: 'x-google-allow', message: `expected "configured" or "all", got ${describeValue(raw)}` });
    return false;
  }
  if (topBackend === undefined) {
    issues.push({
      path: 'x-google-allow',
      message: '"all" sends calls to paths the document does not list to the top-level x-google-backend, and the document has none',
    });
  }
  return true;
}

/** The catch-all operations for the top-level backend, minus any route the document already has. */
export function unlistedOperations(
  rule: BackendRule,
  apiKeySchemes: ApiKeyScheme[],
  listed: readonly GatewayOperation[],
): GatewayOperation[] {
  return UNLISTED_METHODS.filter((method) => !listed.some((op) => op.path === UNLISTED_PATH && op.method === method)).map((method) => ({
    ...rule,
    path: UNLISTED_PATH,
    method,
    security: [],
    apiKeySchemes,
    configPath: 'x-google-allow',
  }));
}

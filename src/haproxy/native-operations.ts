/**
 * Which operations of the gateway document HAProxy serves itself, and what
 * it needs of each, decided once per document. An operation is native when
 * every request it admits can be decided with a map lookup: a platform
 * service (no `@TAG`, HTTP/1.1), an exact path (no template variable), no
 * document quota, and either no security at all or one API key in one
 * place. Everything else — and every refusal — is the TypeScript gateway's,
 * which HAProxy hands the request to unchanged; `reason` says why.
 */
import type { GatewayOperation } from '../config/index.js';
import { isExactTemplate, parsePathTemplate } from '../config/path-template.js';
import { prepareOperation } from '../gateway/prepared-operation.js';
import { exactPaths } from '../gateway/route-table.js';

export type KeyPlace = { in: 'header' | 'query'; name: string };

export interface NativeOperation {
  /** Index in the document's operations: the value the route map gives. */
  index: number;
  /** `METHOD/path` forms this operation answers (with and without ESPv2's trailing "/"; HEAD for a GET). */
  routeKeys: string[];
  service: string;
  /** Where its API key is; undefined on an operation without security. */
  key: KeyPlace | undefined;
  deadlineMs: number;
  /** The backend path: `prefix` + the request path (APPEND_PATH_TO_ADDRESS), or `prefix` alone (CONSTANT_ADDRESS). */
  prefix: string;
  append: boolean;
  /** The `aud` of the ID token its instances get; undefined with `disable_auth`. */
  audience: string | undefined;
}

export interface OperationPlan {
  native: NativeOperation[];
  /** Operations left to the TypeScript gateway, with why (for logs and `mlaas status`). */
  delegated: Array<{ method: string; path: string; reason: string }>;
  /** Every key header and key query parameter of the document: never forwarded. */
  keyHeaders: string[];
  keyQueryParams: string[];
}

export function planOperations(operations: readonly GatewayOperation[]): OperationPlan {
  const native: NativeOperation[] = [];
  const delegated: OperationPlan['delegated'] = [];
  const keyHeaders = new Set<string>();
  const keyQueryParams = new Set<string>();
  const exact = operations.map((op) => {
    const parsed = parsePathTemplate(op.path);
    return parsed.ok && isExactTemplate(parsed.template) ? exactPaths(parsed.template) : undefined;
  });
  // HEAD is served by a path's GET operation only where the path has no HEAD operation of its own.
  const declared = new Set<string>();
  operations.forEach((op, i) => exact[i]?.forEach((p) => declared.add(`${op.method}${p}`)));
  const taken = new Set<string>();
  operations.forEach((op, index) => {
    const prep = prepareOperation(op);
    for (const h of prep.keyHeaders) keyHeaders.add(h);
    for (const q of prep.keyQueryParams) keyQueryParams.add(q);
    const paths = exact[index];
    const claimed: string[] = [];
    for (const p of new Set(paths)) {
      for (const m of op.method === 'GET' && !declared.has(`HEAD${p}`) ? ['GET', 'HEAD'] : [op.method]) {
        // The first operation of a path and method serves it, as in the route table.
        if (taken.has(`${m}${p}`)) continue;
        taken.add(`${m}${p}`);
        claimed.push(`${m}${p}`);
      }
    }
    const reason = delegation(op, prep, paths !== undefined);
    if (reason !== undefined || prep.backend.kind !== 'service') {
      delegated.push({ method: op.method, path: op.path, reason: reason ?? 'an outside backend' });
      return;
    }
    if (claimed.length === 0) return;
    const location = prep.keyLocations[0];
    native.push({
      index,
      routeKeys: claimed,
      service: prep.backend.service,
      key: location === undefined ? undefined : { in: location.in, name: location.name },
      deadlineMs: prep.deadlineMs,
      prefix: prep.pathTranslation === 'APPEND_PATH_TO_ADDRESS' ? prep.backend.basePath : prep.backend.basePath || '/',
      append: prep.pathTranslation === 'APPEND_PATH_TO_ADDRESS',
      audience: prep.backendAudience,
    });
  });
  return { native, delegated, keyHeaders: [...keyHeaders].sort(), keyQueryParams: [...keyQueryParams].sort() };
}

function delegation(op: GatewayOperation, prep: ReturnType<typeof prepareOperation>, exact: boolean): string | undefined {
  if (prep.backend.kind !== 'service') return 'an outside backend';
  if (prep.backend.tag !== undefined) return 'a tagged address (@TAG)';
  if (op.protocol === 'h2') return 'HTTP/2 to the backend';
  if (!exact) return 'a templated path';
  if (prep.quota.length > 0) return 'a document quota (x-google-quota)';
  if (prep.jwtSchemes.length > 0) return 'JWT authentication';
  if (op.security.length === 0) return undefined;
  if (prep.anonymous) return 'security that also admits anonymous callers';
  if (prep.requirements.length !== 1 || prep.keyLocations.length !== 1) return 'more than one way to authenticate';
  return undefined;
}

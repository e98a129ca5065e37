/**
 * Which operations of the gateway document HAProxy serves itself, and what
 * it needs of each, decided once per document. An operation is native when
 * every request it admits can be decided by lookups: a platform service (no
 * `@TAG`, HTTP/1.1), no document quota, no JWT, either no security at all or
 * API keys alone (each requirement one key), and a path HAProxy can match the
 * way the route table does — an exact one (a map lookup), or a template
 * (its regular expression, tried in the route table's order) whose variables
 * need not be moved to the query (APPEND_PATH_TO_ADDRESS). Everything else
 * — and every refusal — is the TypeScript gateway's, which HAProxy hands the
 * request to unchanged; `reason` says why.
 *
 * Operations HAProxy does not serve still claim their paths, so that a
 * request never lands on a native operation the route table would not pick.
 */
import type { GatewayOperation } from '../config/index.js';
import { compareTemplates, isExactTemplate, parsePathTemplate, type PathTemplate } from '../config/path-template.js';
import { prepareOperation, type PreparedOperation } from '../gateway/prepared-operation.js';
import { exactPaths, templateMatcher } from '../gateway/route-table.js';

export type KeyPlace = { in: 'header' | 'query'; name: string };

export interface NativeOperation {
  /** Index in the document's operations. */
  index: number;
  service: string;
  /** Where its API key may be, in the document's order (the first present one is checked); empty without security. */
  keys: KeyPlace[];
  deadlineMs: number;
  /** The backend path: `prefix` + the request path (APPEND_PATH_TO_ADDRESS), or `prefix` alone (CONSTANT_ADDRESS). */
  prefix: string;
  append: boolean;
  /** The `aud` of the ID token its instances get; undefined with `disable_auth`. */
  audience: string | undefined;
}

/** A templated path's rule, in the order the route table tries them. */
export interface TemplateRoute {
  /** The template's regular expression source (ESPv2's, as the route table builds it). */
  pattern: string;
  /** The methods it answers, HEAD included where its GET serves HEAD. */
  methods: string[];
  /** The native operation of each method; a method absent here is the TypeScript gateway's. */
  native: Map<string, NativeOperation>;
}

export interface OperationPlan {
  native: NativeOperation[];
  /** `METHOD/path` of an exact path → its native operation, or undefined where the TypeScript gateway serves it. */
  exact: Map<string, NativeOperation | undefined>;
  templates: TemplateRoute[];
  /** Operations left to the TypeScript gateway, with why (for logs and `mlaas status`). */
  delegated: Array<{ method: string; path: string; reason: string }>;
  /** Every key header and key query parameter of the document: never forwarded. */
  keyHeaders: string[];
  keyQueryParams: string[];
}

interface PathEntry {
  template: PathTemplate;
  /** Method → its first operation's index, as the route table keeps the first. */
  byMethod: Map<string, number>;
}

export function planOperations(operations: readonly GatewayOperation[]): OperationPlan {
  const prepared = operations.map(prepareOperation);
  const natives = new Map<number, NativeOperation>();
  const delegated: OperationPlan['delegated'] = [];
  const keyHeaders = new Set<string>();
  const keyQueryParams = new Set<string>();
  const exactEntries = new Map<string, PathEntry>();
  const templated = new Map<string, PathEntry>();
  operations.forEach((op, index) => {
    const prep = prepared[index] as PreparedOperation;
    for (const h of prep.keyHeaders) keyHeaders.add(h);
    for (const q of prep.keyQueryParams) keyQueryParams.add(q);
    const parsed = parsePathTemplate(op.path);
    if (!parsed.ok) throw new Error(`route ${op.method} ${op.path}: ${parsed.message}`);
    const exact = isExactTemplate(parsed.template);
    const entries = exact ? exactEntries : templated;
    const key = exact ? exactPaths(parsed.template)[0] : op.path;
    let entry = entries.get(key);
    if (entry === undefined) entries.set(key, (entry = { template: parsed.template, byMethod: new Map() }));
    if (!entry.byMethod.has(op.method)) entry.byMethod.set(op.method, index);
    const reason = delegation(op, prep, exact);
    if (reason !== undefined || prep.backend.kind !== 'service') {
      delegated.push({ method: op.method, path: op.path, reason: reason ?? 'an outside backend' });
      return;
    }
    natives.set(index, {
      index,
      service: prep.backend.service,
      keys: prep.keyLocations.map((l) => ({ in: l.in, name: l.name })),
      deadlineMs: prep.deadlineMs,
      prefix: prep.pathTranslation === 'APPEND_PATH_TO_ADDRESS' ? prep.backend.basePath : prep.backend.basePath || '/',
      append: prep.pathTranslation === 'APPEND_PATH_TO_ADDRESS',
      audience: prep.backendAudience,
    });
  });
  const exact = new Map<string, NativeOperation | undefined>();
  for (const entry of exactEntries.values()) {
    for (const path of new Set(exactPaths(entry.template))) {
      for (const [method, index] of methodsOf(entry)) exact.set(`${method}${path}`, natives.get(index));
    }
  }
  const templates = [...templated.values()]
    .sort((a, b) => compareTemplates(a.template, b.template))
    .map((entry) => {
      const native = new Map<string, NativeOperation>();
      const methods = methodsOf(entry);
      for (const [method, index] of methods) {
        const op = natives.get(index);
        if (op !== undefined) native.set(method, op);
      }
      return { pattern: templateMatcher(entry.template).pattern.source, methods: methods.map(([m]) => m), native };
    });
  // An operation whose every route an earlier one took serves nothing.
  const routed = new Set([...exact.values(), ...templates.flatMap((t) => [...t.native.values()])]);
  return { native: [...natives.values()].filter((op) => routed.has(op)), exact, templates, delegated, keyHeaders: [...keyHeaders].sort(), keyQueryParams: [...keyQueryParams].sort() };
}

/** Each method of a path with its operation, and HEAD served by GET where the path has no HEAD operation. */
function methodsOf(entry: PathEntry): Array<[string, number]> {
  const out = [...entry.byMethod];
  const get = entry.byMethod.get('GET');
  if (get !== undefined && !entry.byMethod.has('HEAD')) out.push(['HEAD', get]);
  return out;
}

function delegation(op: GatewayOperation, prep: PreparedOperation, exact: boolean): string | undefined {
  if (prep.backend.kind !== 'service') return 'an outside backend';
  if (prep.backend.tag !== undefined) return 'a tagged address (@TAG)';
  if (op.protocol === 'h2') return 'HTTP/2 to the backend';
  if (!exact && prep.pathTranslation === 'CONSTANT_ADDRESS') return 'CONSTANT_ADDRESS with path variables (they go to the query)';
  if (!exact && /['\s]/.test(op.path)) return 'a template HAProxy cannot quote';
  if (prep.quota.length > 0) return 'a document quota (x-google-quota)';
  if (prep.jwtSchemes.length > 0) return 'JWT authentication';
  if (op.security.length === 0) return undefined;
  if (prep.anonymous) return 'security that also admits anonymous callers';
  if (prep.requirements.some((r) => r.keyAt === undefined || r.jwtAt !== undefined)) return 'a requirement that is not one API key';
  return undefined;
}

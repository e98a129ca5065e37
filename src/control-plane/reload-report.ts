/**
 * What a reload tells its caller: which gateway operations, tenants and flags
 * it switched, and every change in the files that it did not apply, with the
 * field's path and what does apply it — a reload refuses nothing in silence.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { GatewayDocument, LoadedConfig } from '../config/index.js';
import type { FieldIssue } from '../errors.js';

export interface OperationChanges {
  /** `METHOD /path`, in the new document's order. */
  added: string[];
  removed: string[];
  /** Same method and path, anything else of the operation different (backend, security, deadline…). */
  changed: string[];
}

export interface ReloadReport {
  /** False when what serves already was what the files say (as far as a reload applies them). */
  changed: boolean;
  /** The gateway document differs from the one that served before: in these operations, or elsewhere. */
  gatewayDocument: boolean;
  operations: OperationChanges;
  /** Declared tenants written to the store (added, or settings, attributes, quotas changed). */
  tenants: string[];
  /** Flags added, removed or changed. */
  flags: string[];
  /** Tenants declared with `demoKey: true` by this reload, whose key is in `<stateDir>/demo-keys/<tenant>`. */
  demoKeys: string[];
  /** Changes found in the files that this reload did not apply: where, and what applies them. */
  notApplied: FieldIssue[];
}

export function operationChanges(before: GatewayDocument, after: GatewayDocument): OperationChanges {
  const keyOf = (op: GatewayDocument['operations'][number]): string => `${op.method} ${op.path}`;
  const old = new Map(before.operations.map((op) => [keyOf(op), op]));
  const changes: OperationChanges = { added: [], removed: [], changed: [] };
  const seen = new Set<string>();
  for (const op of after.operations) {
    const key = keyOf(op);
    seen.add(key);
    const was = old.get(key);
    if (was === undefined) changes.added.push(key);
    else if (!isDeepStrictEqual(was, op)) changes.changed.push(key);
  }
  for (const key of old.keys()) if (!seen.has(key)) changes.removed.push(key);
  return changes;
}

/** Fields of mlaas.yaml a reload applies: the rest is read at start only. */
const RELOADED = new Set(['tenants', 'flags', 'gateway', 'services', 'configPath', 'baseDir']);

/**
 * What `next` changes that a reload leaves as it is. Start-up settings and
 * services are compared with what `mlaas up` started with (they stay
 * different until a restart, and each reload says so again); declarations
 * that went away, with what the last reload applied.
 */
export function notAppliedChanges(started: LoadedConfig, applied: LoadedConfig, next: LoadedConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const restart = 'read at start only: applies when mlaas up starts again';
  const before = started.config;
  const after = next.config;
  for (const name of new Set([...Object.keys(before.services), ...Object.keys(after.services)])) {
    const was = before.services[name];
    const now = after.services[name];
    if (isDeepStrictEqual(was, now)) continue;
    const message =
      was === undefined
        ? 'added: a reload does not deploy services; `mlaas apply` (or a restart of mlaas up) deploys it, routes to it answer 503 until then'
        : now === undefined
          ? 'no longer declared: a reload does not stop services, it keeps serving (`mlaas apply --prune` stops it)'
          : `changed: a reload does not deploy services; \`mlaas apply\` (or a restart of mlaas up) makes a revision of it`;
    issues.push({ path: `services.${name}`, message });
  }
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (RELOADED.has(key)) continue;
    if (!isDeepStrictEqual(before[key as keyof typeof before], after[key as keyof typeof after])) issues.push({ path: key, message: `changed: ${restart}` });
  }
  for (const key of new Set([...Object.keys(before.gateway), ...Object.keys(after.gateway)])) {
    if (key === 'document') continue;
    const was = before.gateway[key as keyof typeof before.gateway];
    if (!isDeepStrictEqual(was, after.gateway[key as keyof typeof after.gateway])) issues.push({ path: `gateway.${key}`, message: `changed: ${restart}` });
  }
  if (path.dirname(after.gateway.document) !== path.dirname(before.gateway.document)) {
    issues.push({
      path: 'gateway.document',
      message: `in another directory now: JWKS files named by a relative path are still read from ${path.dirname(before.gateway.document)} until a restart`,
    });
  }
  for (const id of Object.keys(applied.config.tenants)) {
    if (after.tenants[id] === undefined) {
      issues.push({ path: `tenants.${id}`, message: `no longer declared: a reload does not delete tenants (\`mlaas apply --prune\` or \`mlaas tenants delete ${id}\` does)` });
    }
  }
  if (applied.flags !== undefined && next.flags === undefined) {
    issues.push({ path: 'flags', message: 'no longer declared: the flags in the state store stay (`mlaas flags set` replaces them)' });
  }
  return issues;
}

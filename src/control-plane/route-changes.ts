/**
 * What a new gateway document changes against the one the gateway serves,
 * operation by operation (`METHOD PATH`), each in the document's own terms:
 * the backend address, path_translation, deadline in seconds, security,
 * quota… Pure: two documents in, changes out.
 */
import type { GatewayDocument, GatewayOperation } from '../config/index.js';
import { fieldChanges, type FieldChange } from '../config/field-changes.js';

export interface RouteChange {
  action: 'create' | 'update' | 'delete';
  /** `METHOD PATH`, e.g. `POST /v1/echo`. */
  name: string;
  fields: FieldChange[];
}

export function routeName(op: Pick<GatewayOperation, 'method' | 'path'>): string {
  return `${op.method} ${op.path}`;
}

/** Sorted by route name. */
export function routeChanges(served: GatewayDocument, next: GatewayDocument): RouteChange[] {
  const before = new Map(served.operations.map((op) => [routeName(op), routeView(op)]));
  const after = new Map(next.operations.map((op) => [routeName(op), routeView(op)]));
  const changes: RouteChange[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(name);
    const now = after.get(name);
    const fields = fieldChanges(was, now);
    if (fields.length === 0) continue;
    changes.push({ action: was === undefined ? 'create' : now === undefined ? 'delete' : 'update', name, fields });
  }
  return changes;
}

/** An operation as its `x-google-backend` and security read in the document; where it sits in the file is not a change. */
function routeView(op: GatewayOperation): Record<string, unknown> {
  const { backend } = op;
  const address = backend.kind === 'url' ? backend.url : `mlaas://${backend.service}${backend.tag === undefined ? '' : `@${backend.tag}`}${backend.path}`;
  return JSON.parse(
    JSON.stringify({
      address,
      path_translation: op.pathTranslation,
      deadline: op.deadlineMs / 1000,
      jwt_audience: op.backendAudience,
      protocol: op.protocol,
      operationId: op.operationId,
      security: op.security.map((all) => all.map((s) => s.name)),
      securityDefinitions: [...op.security.flat(), ...op.apiKeySchemes].reduce<Record<string, unknown>>((defs, s) => ({ ...defs, [s.name]: s }), {}),
      quota: op.quota,
    }),
  ) as Record<string, unknown>;
}

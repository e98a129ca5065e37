/**
 * Admin routes for reading state: status, tenants and the audit log.
 * Routes that change keys live in `admin-routes-keys.ts`, tenants and flags
 * in `admin-routes-tenancy.ts`, services in `admin-routes-services.ts`.
 */
import { z } from 'zod';
import { MlaasError } from '../errors.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import type { StateStore } from './state-store.js';

/** Which of the gateway's maps a mutation made stale. */
export type AdminChange = 'keys' | 'tenants' | 'services' | 'flags';

export interface AdminDeps {
  store: StateStore;
  status: () => unknown;
  onChange: (what: AdminChange) => void;
  now: () => Date;
}

export const AUDIT_LIMIT_DEFAULT = 100;
export const AUDIT_LIMIT_MAX = 1000;

const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(AUDIT_LIMIT_MAX).default(AUDIT_LIMIT_DEFAULT),
});

export function adminRoutes({ store, status }: AdminDeps): AdminRoute[] {
  return [
    defineRoute({ method: 'GET', path: '/v1/status', handle: () => ({ status: 200, body: status() }) }),

    defineRoute({ method: 'GET', path: '/v1/tenants', handle: () => ({ status: 200, body: { items: store.listTenants() } }) }),
    defineRoute({
      method: 'GET',
      path: '/v1/tenants/:id',
      handle: ({ params }) => ({ status: 200, body: found(store.getTenant(params.id ?? ''), `tenant ${params.id}`) }),
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/audit',
      query: auditQuery,
      handle: ({ query }) => ({ status: 200, body: { items: store.listAudit({ limit: query.limit }) } }),
    }),
  ];
}

/** The record, or a 404 naming what was looked for: `found(store.getService(name), \`service ${name}\`)` → `no service nosuch`. */
export function found<T>(record: T | undefined, what: string): T {
  if (record === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no ${what}`);
  return record;
}

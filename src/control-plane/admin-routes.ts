/**
 * Admin routes for reading state: status, tenants and the audit log.
 * Routes that change keys live in `admin-routes-keys.ts`, tenants and flags
 * in `admin-routes-tenancy.ts`, services in `admin-routes-services.ts`.
 */
import { z } from 'zod';
import { duration } from '../api/schema-fields.js';
import { MlaasError } from '../errors.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import type { StateStore } from '../state/state-store.js';

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
  /** Only the changes of this last while (`1h`), of the newest `limit`. */
  since: duration(0, 366 * 24 * 3_600_000).optional(),
});

export function adminRoutes({ store, status, now }: AdminDeps): AdminRoute[] {
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
      handle: ({ query }) => {
        const items = store.listAudit({ limit: query.limit });
        if (query.since === undefined) return { status: 200, body: { items } };
        const from = now().getTime() - query.since;
        return { status: 200, body: { items: items.filter((e) => Date.parse(e.at) >= from) } };
      },
    }),
  ];
}

/** The record, or a 404 naming what was looked for: `found(store.getService(name), \`service ${name}\`)` → `no service nosuch`. */
export function found<T>(record: T | undefined, what: string): T {
  if (record === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no ${what}`);
  return record;
}

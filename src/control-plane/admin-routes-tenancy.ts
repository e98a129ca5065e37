/**
 * Admin routes that change tenants and flags: `PUT /v1/tenants/:id` (create
 * or replace: config, attributes, quotas), `DELETE /v1/tenants/:id` (and its
 * keys), `GET`/`PUT /v1/flags` (a whole flagd document, validated by flagd's
 * schema before it is stored). Each change reaches the gateway before the
 * answer is sent, so the very next request sees it.
 */
import { z } from 'zod';
import { TenantSpecSchema } from '../api/tenant-schema.js';
import { DNS_LABEL } from '../api/schema-fields.js';
import { MlaasError } from '../errors.js';
import { FlagSet } from '../flags/flag-set.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import { found, type AdminDeps } from './admin-routes.js';
import type { JsonObject, TenantInput } from '../state/state-store.js';

const ACTOR = 'admin';

/** A flagd document: `flags` is required; flagd's own schema checks the rest. */
const flagsBody = z.looseObject({ flags: z.record(z.string(), z.unknown()) });

export function tenancyRoutes({ store, onChange }: AdminDeps): AdminRoute[] {
  return [
    defineRoute({
      method: 'PUT',
      path: '/v1/tenants/:id',
      body: TenantSpecSchema,
      handle: ({ params, body }) => {
        const id = params.id ?? '';
        if (!DNS_LABEL.test(id)) {
          throw new MlaasError('ADMIN_BODY_INVALID', `tenant id must be a DNS label, got ${JSON.stringify(id)}`, {
            errors: [{ path: 'id', message: `expected a DNS label matching ${DNS_LABEL.source}, got ${JSON.stringify(id)}` }],
          });
        }
        const created = store.getTenant(id) === undefined;
        const input: TenantInput = { displayName: body.displayName ?? id, config: body.config, attributes: body.attributes };
        if (body.quota !== undefined) input.quota = body.quota;
        if (body.keyQuota !== undefined) input.keyQuota = body.keyQuota;
        const tenant = store.upsertTenant(id, input, { actor: ACTOR });
        onChange('tenants');
        return { status: created ? 201 : 200, body: tenant };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/tenants/:id',
      handle: ({ params }) => {
        found(store.getTenant(params.id ?? ''), `tenant ${params.id}`);
        store.deleteTenant(params.id ?? '', { actor: ACTOR });
        onChange('tenants');
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/flags',
      handle: () => ({ status: 200, body: store.getFlags() ?? { flags: {} } }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/v1/flags',
      body: flagsBody,
      handle: ({ body }) => {
        const flags = validFlags(body);
        store.setFlags(JSON.parse(flags.document) as JsonObject, { actor: ACTOR });
        onChange('flags');
        return { status: 200, body: { flags: flags.keys } };
      },
    }),
  ];
}

function validFlags(document: unknown): FlagSet {
  try {
    return FlagSet.fromDocument(document, { source: 'body' });
  } catch (err) {
    if (err instanceof MlaasError) throw new MlaasError('ADMIN_BODY_INVALID', err.message, { errors: err.errors ?? [] });
    throw err;
  }
}

/**
 * Admin routes for API keys: create (the one moment the secret is shown),
 * list, read, revoke and rotate (a new secret for the same tenant, scopes,
 * quota and tag permission; the old key keeps working for an overlap window so callers can
 * switch without an outage). Answers never carry a key's hash.
 */
import { z } from 'zod';
import { DNS_LABEL, duration } from '../api/schema-fields.js';
import { QuotaSchema } from '../api/tenancy-fields.js';
import { describeValue } from '../api/zod-issues.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import { found, type AdminDeps } from './admin-routes.js';
import type { KeyRecord, PublicKeyRecord } from '../api/key.js';

/** Who the store records in the audit log for changes made through this API. */
const ACTOR = 'admin';

/** How long a rotated key keeps working when the caller does not say. */
export const DEFAULT_OVERLAP_MS = 24 * 3_600_000;
const MAX_OVERLAP_MS = 90 * 24 * 3_600_000;

/** A key record as the admin API shows it: everything but the hash. */

export function publicKeyOf(record: KeyRecord): PublicKeyRecord {
  const { hash: _hash, ...rest } = record;
  return rest;
}

export function keyRoutes({ store, onChange, now }: AdminDeps): AdminRoute[] {
  const createBody = z.strictObject({
    description: z.string().max(500).optional(),
    expiresAt: z.iso
      .datetime({ offset: true })
      // zod runs this even after a format error; a string that is no date has been reported already.
      .refine((s) => !(Date.parse(s) <= now().getTime()), {
        error: (iss) => `must be in the future (now is ${now().toISOString()}), got ${String(iss.input)}`,
      })
      // Stored as UTC so that expiry compares as plain strings and parses the same everywhere.
      .transform((s) => new Date(s).toISOString())
      .optional(),
    scopes: z
      .array(z.string().regex(DNS_LABEL, { error: (iss) => `expected a service name (DNS label), got ${describeValue(iss.input)}` }))
      // A key that may call nothing is useless; leaving scopes out means every service.
      .min(1, { error: 'expected at least one service (leave scopes out for every service), got none' })
      .optional(),
    quota: QuotaSchema.optional(),
    allowTags: z.boolean().optional(),
  });
  const rotateBody = z.strictObject({ overlap: duration(0, MAX_OVERLAP_MS).optional() });
  const listQuery = z.strictObject({ tenant: z.string().min(1).optional() });

  return [
    defineRoute({
      method: 'POST',
      path: '/v1/tenants/:id/keys',
      body: createBody,
      handle: ({ params, body }) => {
        const { key, secretKey } = store.createKey(params.id ?? '', body, { actor: ACTOR });
        onChange('keys');
        return {
          status: 201,
          // The secret is in this answer only: no cache may keep it.
          headers: { 'cache-control': 'no-store', location: `/v1/keys/${key.id}` },
          body: { key: secretKey, ...publicKeyOf(key) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/keys',
      query: listQuery,
      handle: ({ query }) => {
        if (query.tenant !== undefined) found(store.getTenant(query.tenant), `tenant ${query.tenant}`);
        return { status: 200, body: { items: store.listKeys(query.tenant).map(publicKeyOf) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/keys/:id',
      handle: ({ params }) => ({ status: 200, body: publicKeyOf(found(store.getKey(params.id ?? ''), `key ${params.id}`)) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/keys/:id/rotate',
      body: rotateBody,
      handle: ({ params, body }) => {
        const overlapMs = body.overlap ?? DEFAULT_OVERLAP_MS;
        const oldExpiresAt = new Date(now().getTime() + overlapMs).toISOString();
        const { key, secretKey } = store.rotateKey(params.id ?? '', { oldExpiresAt }, { actor: ACTOR });
        onChange('keys');
        return {
          status: 201,
          headers: { 'cache-control': 'no-store', location: `/v1/keys/${key.id}` },
          body: { key: secretKey, ...publicKeyOf(key), previous: publicKeyOf(found(store.getKey(params.id ?? ''), `key ${params.id}`)) },
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/keys/:id',
      handle: ({ params }) => {
        const before = found(store.getKey(params.id ?? ''), `key ${params.id}`);
        if (before.revokedAt === undefined) {
          store.revokeKey(before.id, { actor: ACTOR });
          onChange('keys');
        }
        return { status: 204 };
      },
    }),
  ];
}

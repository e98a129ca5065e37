/**
 * Admin routes for revisions and traffic: deploy (an uploaded source
 * archive, with progress streamed back), list revisions with their traffic,
 * set traffic, roll back.
 */
import { z } from 'zod';
import { TrafficPolicySchema } from '../api/traffic-schema.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import { found } from './admin-routes.js';
import type { Deployer } from './deployer.js';
import { DEFAULT_TRAFFIC, resolveTraffic } from './resolve-traffic.js';
import type { RevisionReconciler } from './revision-reconciler.js';
import type { StateStore, TrafficPolicy } from '../state/state-store.js';

/** Source archives larger than this are refused (the model belongs in the model store, not the source). */
export const ARCHIVE_LIMIT_BYTES = 256 * 1024 * 1024;

export interface RevisionRouteDeps {
  store: StateStore;
  reconciler: RevisionReconciler;
  deployer: Deployer;
  /** Why a deployed service cannot be called (no route reaches it), if so; told as the deploy's last event. */
  unrouted?: (service: string) => string | undefined;
}

const deployQuery = z.strictObject({
  noTraffic: z.enum(['true', 'false']).optional(),
  tag: z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a DNS label').optional(),
  command: z
    .string()
    .transform((s, ctx) => {
      try {
        const v = JSON.parse(s) as unknown;
        if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `expected a JSON array of strings, got ${s}` });
      return z.NEVER;
    })
    .optional(),
});


export function revisionRoutes({ store, reconciler, deployer, unrouted }: RevisionRouteDeps): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/services/:name/revisions',
      handle: ({ params }) => {
        const service = params.name ?? '';
        found(store.getService(service), `service ${service}`);
        const revisions = store.listRevisions(service);
        const policy = store.getTraffic(service) ?? DEFAULT_TRAFFIC;
        // What the gateway does now; computed from the policy only for a service not running yet.
        const resolved = reconciler.published(service) ?? resolveTraffic(service, policy, revisions);
        const items = revisions.map((r) => {
          const targets = resolved?.targets.filter((t) => t.revision === r.name) ?? [];
          return {
            ...r,
            percent: targets.reduce((sum, t) => sum + t.percent, 0),
            tags: targets.flatMap((t) => (t.tag === undefined ? [] : [t.tag])),
          };
        });
        return { status: 200, body: { items, traffic: policy } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/services/:name/deploy',
      query: deployQuery,
      rawLimitBytes: ARCHIVE_LIMIT_BYTES,
      handle: ({ params, query, raw }) => {
        // Only a first deploy may create the service, and it must say how to start it.
        if (query.command === undefined) found(store.getService(params.name ?? ''), `service ${params.name} (a first deploy must give its command)`);
        return {
          status: 200,
          events: async (emit) => {
            const service = params.name ?? '';
            const rev = await deployer.deploy({
              service,
              archive: raw ?? Buffer.alloc(0),
              ...(query.command === undefined ? {} : { command: query.command }),
              noTraffic: query.noTraffic === 'true',
              ...(query.tag === undefined ? {} : { tag: query.tag }),
              actor: 'admin',
              onProgress: emit,
            });
            const warning = unrouted?.(service);
            if (warning !== undefined) emit({ step: 'warning', detail: warning });
            return rev;
          },
        };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/v1/services/:name/traffic',
      body: TrafficPolicySchema,
      handle: async ({ params, body }) => {
        found(store.getService(params.name ?? ''), `service ${params.name}`);
        const policy: TrafficPolicy = { targets: body.targets, sticky: body.sticky ?? false };
        if (body.tenantTags !== undefined && Object.keys(body.tenantTags).length > 0) policy.tenantTags = body.tenantTags;
        if (body.flagTag !== undefined) policy.flagTag = body.flagTag;
        if (body.mirror !== undefined) policy.mirror = body.mirror;
        const resolved = await reconciler.setTraffic(params.name ?? '', policy);
        return { status: 200, body: { traffic: policy, resolved } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/services/:name/rollback',
      handle: async ({ params }) => {
        found(store.getService(params.name ?? ''), `service ${params.name}`);
        return { status: 200, body: { resolved: await reconciler.rollback(params.name ?? '') } };
      },
    }),
  ];
}

/**
 * Admin routes for services as Cloud Run shows them: list, describe (the
 * stored spec as the service's configuration, its revisions, traffic,
 * routes and a Ready condition), delete, `services update` (a new revision
 * from a configuration change), `update-traffic` patches, and revisions
 * described and deleted one by one.
 */
import { z } from 'zod';
import { defineRoute, type AdminRoute } from './admin-router.js';
import { found } from './admin-routes.js';
import type { Deployer } from './deployer.js';
import { DEFAULT_TRAFFIC, latestReadyRevision, resolveTraffic, type ResolvedTraffic } from './resolve-traffic.js';
import type { RevisionReconciler } from './revision-reconciler.js';
import type { RevisionRecord, StateStore } from '../state/state-store.js';

export interface ServiceRouteDeps {
  store: StateStore;
  reconciler: RevisionReconciler;
  deployer: Deployer;
  /** Instances of a revision that are ready now. */
  readyInstances: (revision: string) => number;
  /** The gateway document's operations that reach the service, `POST /v1/echo`. */
  routesOf: (service: string) => string[];
}

/** One condition in Knative's form: `Ready` is what `services describe` leads with. */
export interface ServiceCondition {
  type: 'Ready' | 'ConfigurationsReady' | 'RoutesReady';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const percent = z.number().int().min(0).max(100);

const trafficPatch = z.strictObject({
  toRevisions: z.record(z.string().min(1), percent).optional(),
  toTags: z.record(z.string().min(1), percent).optional(),
  toLatest: z.boolean().optional(),
  updateTags: z.record(z.string().regex(DNS_LABEL, 'expected a DNS label'), z.string().min(1)).optional(),
  removeTags: z.array(z.string().min(1)).optional(),
  clearTags: z.boolean().optional(),
  sticky: z.boolean().optional(),
  tenantTags: z.record(z.string(), z.string()).optional(),
  removeTenantTags: z.array(z.string().min(1)).optional(),
  clearTenantTags: z.boolean().optional(),
  flagTag: z.string().nullable().optional(),
  mirror: z.strictObject({ tag: z.string(), percent: z.number() }).nullable().optional(),
});

const envVars = z.record(z.string().min(1), z.string());

const serviceUpdate = z.strictObject({
  setEnvVars: envVars.optional(),
  updateEnvVars: envVars.optional(),
  removeEnvVars: z.array(z.string().min(1)).optional(),
  clearEnvVars: z.boolean().optional(),
  concurrency: z.number().optional(),
  timeoutSeconds: z.number().optional(),
  minInstances: z.number().optional(),
  maxInstances: z.number().optional(),
  command: z.array(z.string().min(1)).min(1).optional(),
  args: z.array(z.string()).optional(),
  tag: z.string().regex(DNS_LABEL, 'expected a DNS label').optional(),
  noTraffic: z.boolean().optional(),
});

export function serviceRoutes(deps: ServiceRouteDeps): AdminRoute[] {
  const { store, reconciler, deployer } = deps;
  const summary = (name: string) => summaryOf(deps, name, resolvedOf(deps, name));
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/services',
      handle: () => ({ status: 200, body: { items: store.listServices().map((s) => summary(s.name)) } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/services/:name',
      handle: ({ params }) => {
        const name = params.name ?? '';
        const service = found(store.getService(name), `service ${name}`);
        const resolved = resolvedOf(deps, name);
        const s = summaryOf(deps, name, resolved);
        return {
          status: 200,
          body: {
            ...s,
            configuration: service.spec,
            createdAt: service.createdAt,
            updatedAt: service.updatedAt,
            traffic: store.getTraffic(name) ?? DEFAULT_TRAFFIC,
            revisions: store.listRevisions(name).map((r) => ({ ...withTraffic(r, resolved), readyInstances: deps.readyInstances(r.name) })),
            conditions: conditionsOf(store.listRevisions(name), resolved, s.readyInstances, s.routes),
          },
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/services/:name',
      handle: async ({ params }) => ({ status: 200, body: { deleted: params.name, revisions: await reconciler.deleteService(params.name ?? '') } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/services/:name/update',
      body: serviceUpdate,
      handle: async ({ params, body }) => {
        const name = params.name ?? '';
        const { tag, noTraffic, ...change } = body;
        const result = await deployer.update(name, change, { ...(tag === undefined ? {} : { tag }), noTraffic: noTraffic === true, actor: 'admin' });
        const resolved = reconciler.published(name);
        return { status: 200, body: { ...result, revision: withTraffic(result.revision, resolved) } };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/v1/services/:name/traffic',
      body: trafficPatch,
      handle: async ({ params, body }) => ({ status: 200, body: await reconciler.patchTraffic(params.name ?? '', body) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/revisions/:name',
      handle: ({ params }) => {
        const rev = found(store.getRevision(params.name ?? ''), `revision ${params.name}`);
        return { status: 200, body: { ...withTraffic(rev, resolvedOf(deps, rev.service)), readyInstances: deps.readyInstances(rev.name) } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/revisions/:name',
      handle: async ({ params }) => ({ status: 200, body: { deleted: (await reconciler.deleteRevision(params.name ?? '')).name } }),
    }),
  ];
}

/** What the gateway routes for the service now (from the stored policy for one not running yet). */
function resolvedOf({ store, reconciler }: ServiceRouteDeps, service: string): ResolvedTraffic | undefined {
  return reconciler.published(service) ?? resolveTraffic(service, store.getTraffic(service) ?? DEFAULT_TRAFFIC, store.listRevisions(service));
}

function summaryOf(deps: ServiceRouteDeps, name: string, resolved: ResolvedTraffic | undefined) {
  const revisions = deps.store.listRevisions(name);
  const serving = (resolved?.targets ?? []).filter((t) => t.percent > 0 || t.tag !== undefined);
  const routed = new Set(serving.filter((t) => t.percent > 0).map((t) => t.revision));
  return {
    name,
    url: `mlaas://${name}`,
    latestRevision: revisions.at(-1)?.name,
    latestReadyRevision: latestReadyRevision(revisions)?.name,
    serving: serving.map((t) => ({ revision: t.revision, percent: t.percent, ...(t.tag === undefined ? {} : { tag: t.tag }) })),
    readyInstances: [...routed].reduce((sum, r) => sum + deps.readyInstances(r), 0),
    routes: deps.routesOf(name),
  };
}

function withTraffic(rev: RevisionRecord, resolved: ResolvedTraffic | undefined): RevisionRecord & { percent: number; tags: string[] } {
  const targets = resolved?.targets.filter((t) => t.revision === rev.name) ?? [];
  return { ...rev, percent: targets.reduce((sum, t) => sum + t.percent, 0), tags: targets.flatMap((t) => (t.tag === undefined ? [] : [t.tag])) };
}

/**
 * Knative's top-level conditions: ConfigurationsReady when the latest
 * revision is ready, RoutesReady when the traffic resolves to revisions with
 * ready instances (or that scale from zero) and a route reaches the service;
 * Ready when both are.
 */
function conditionsOf(revisions: readonly RevisionRecord[], resolved: ResolvedTraffic | undefined, ready: number, routes: readonly string[]): ServiceCondition[] {
  const latest = revisions.at(-1);
  const configuration: ServiceCondition =
    latest === undefined
      ? { type: 'ConfigurationsReady', status: 'Unknown', reason: 'NoRevision', message: 'the service has no revision yet' }
      : latest.state === 'failed'
        ? { type: 'ConfigurationsReady', status: 'False', reason: 'RevisionFailed', message: `revision ${latest.name} failed: ${latest.reason ?? 'no reason'}` }
        : latest.state === 'pending'
          ? { type: 'ConfigurationsReady', status: 'Unknown', reason: 'Deploying', message: `revision ${latest.name} is being deployed` }
          : { type: 'ConfigurationsReady', status: 'True' };
  const route: ServiceCondition =
    resolved === undefined
      ? { type: 'RoutesReady', status: 'False', reason: 'NoReadyRevision', message: 'no ready revision for latestRevision to follow' }
      : routes.length === 0
        ? { type: 'RoutesReady', status: 'False', reason: 'NoRoute', message: 'no operation of the gateway document reaches this service (mlaas://SERVICE/…)' }
        : { type: 'RoutesReady', status: 'True', ...(ready === 0 ? { reason: 'ScaledToZero', message: 'no instance is running: the first request starts one' } : {}) };
  const failed = [configuration, route].find((c) => c.status !== 'True');
  const top: ServiceCondition = failed === undefined ? { type: 'Ready', status: 'True' } : { ...failed, type: 'Ready' };
  return [top, configuration, route];
}

/**
 * Admin routes of the model store: push a version (the bytes uploaded, the
 * store's progress streamed back), list and show models, point an alias at
 * a version — which rolls the new version out to the services that follow
 * the alias — and remove a version no revision may need again.
 */
import { z } from 'zod';
import { MlaasError } from '../errors.js';
import { formatModelRef, MODEL_ALIAS, type ModelRegistry, type ModelVersion } from '../models/index.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import type { Deployer } from './deployer.js';
import { rolloutAlias } from './model-rollout.js';
import type { RevisionReconciler } from './revision-reconciler.js';
import { RevisionSpecSchema } from './revision-spec.js';
import type { RevisionRecord, StateStore } from '../state/state-store.js';

/** Uploads larger than this are refused: the admin API holds a push in memory while it stores it. */
export const MODEL_UPLOAD_LIMIT_BYTES = 1024 * 1024 * 1024;
/** Store progress is reported at most this often, so a large push does not flood the stream. */
const PROGRESS_STEP_BYTES = 4 * 1024 * 1024;

export interface ModelRouteDeps {
  store: StateStore;
  registry: ModelRegistry;
  reconciler: RevisionReconciler;
  deployer: Deployer;
}

const metrics = z
  .string()
  .transform((s, ctx) => {
    try {
      const v = JSON.parse(s) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) {
        return v as Record<string, string>;
      }
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: `expected a JSON object of strings, got ${s}` });
    return z.NEVER;
  });

const pushQuery = z.strictObject({
  alias: z.string().regex(MODEL_ALIAS, `expected an alias matching ${MODEL_ALIAS.source}`).optional(),
  format: z.string().regex(/^[a-z0-9]{1,16}$/, 'expected a file extension such as onnx').optional(),
  metrics: metrics.optional(),
});

const aliasBody = z.strictObject({
  version: z.int().positive(),
  /** Percent of traffic the new revisions get first (tag `canary`); absent = all at once. */
  canaryPercent: z.int().min(1).max(99).optional(),
});

/**
 * The revisions that record `name@version` and could serve again: pending,
 * ready, or retired after serving all traffic (what `rollback` goes back to).
 */
export function revisionsUsing(store: StateStore, name: string, version: number): RevisionRecord[] {
  return store.listRevisions().filter((rev) => {
    if (rev.state === 'failed' || (rev.state === 'retired' && rev.fullTrafficAt === undefined)) return false;
    const spec = RevisionSpecSchema.safeParse(rev.spec);
    return spec.success && Object.values(spec.data.models).some((m) => m.name === name && m.version === version);
  });
}

function describe(store: StateStore, version: ModelVersion, aliases: Record<string, number>) {
  return {
    ...version,
    aliases: Object.entries(aliases).filter(([, v]) => v === version.version).map(([a]) => a),
    usedBy: revisionsUsing(store, version.name, version.version).map((r) => r.name),
  };
}

export function modelRoutes({ store, registry, reconciler, deployer }: ModelRouteDeps): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/models',
      handle: async () => ({ status: 200, body: { items: await registry.list(), store: registry.backend.location } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/models/:name',
      handle: async ({ params }) => {
        const name = params.name ?? '';
        const [versions, aliases] = await Promise.all([registry.versions(name), registry.aliases(name)]);
        return { status: 200, body: { name, aliases, versions: versions.map((v) => describe(store, v, aliases)) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/models/:name/versions/:selector',
      handle: async ({ params }) => {
        const name = params.name ?? '';
        const version = await registry.resolve(`${name}@${params.selector ?? ''}`);
        return { status: 200, body: describe(store, version, await registry.aliases(name)) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/models/:name/versions',
      query: pushQuery,
      rawLimitBytes: MODEL_UPLOAD_LIMIT_BYTES,
      handle: ({ params, query, raw }) => ({
        status: 200,
        events: async (emit) => {
          const bytes = raw ?? Buffer.alloc(0);
          if (bytes.length === 0) throw new MlaasError('MODEL_INVALID', 'the upload is empty: send the model file as the request body');
          let reported = 0;
          const pushed = await registry.push(params.name ?? '', bytes, {
            ...(query.alias === undefined ? {} : { alias: query.alias }),
            metadata: { ...(query.format === undefined ? {} : { format: query.format }), metrics: query.metrics ?? {} },
            onProgress: (done, total) => {
              if (done - reported < PROGRESS_STEP_BYTES && done < total) return;
              reported = done;
              emit({ step: 'store', done, total });
            },
          });
          return pushed;
        },
      }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/v1/models/:name/aliases/:alias',
      body: aliasBody,
      handle: ({ params, body }) => ({
        status: 200,
        events: async (emit) => {
          const change = await registry.setAlias(params.name ?? '', params.alias ?? '', body.version);
          const from = change.previous === undefined ? 'new' : formatModelRef(change.name, change.previous);
          emit({ step: 'alias', detail: `${change.name}@${change.alias}: ${from} → ${formatModelRef(change.name, change.version)}` });
          const rollouts = await rolloutAlias({ store, registry, reconciler, deployer }, change, {
            ...(body.canaryPercent === undefined ? {} : { canaryPercent: body.canaryPercent }),
            actor: 'admin',
            onProgress: emit,
          });
          return { alias: change, rollouts };
        },
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/models/:name/versions/:version',
      handle: async ({ params }) => {
        const version = Number(params.version);
        await registry.remove(params.name ?? '', version, {
          inUse: ({ name, version: v }) => revisionsUsing(store, name, v).map((r) => r.name),
        });
        return { status: 204 };
      },
    }),
  ];
}

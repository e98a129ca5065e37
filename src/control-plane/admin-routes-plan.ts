/**
 * `POST /v1/plan` and `POST /v1/apply`: the files named by `configPath`,
 * loaded by the platform with the start-up's loader and diffed against what
 * runs (config-applier.ts). Invalid files or an apply that cannot succeed →
 * a problem with every error by path, and nothing changed. An apply streams
 * its progress as NDJSON when asked (`Accept: application/x-ndjson`).
 */
import path from 'node:path';
import { z } from 'zod';
import { defineRoute, type AdminRoute } from './admin-router.js';
import type { ConfigApplier, PlanRequest } from './config-applier.js';

const planBody = z.strictObject({
  configPath: z.string().refine((p) => path.isAbsolute(p), { error: (iss) => `expected an absolute path of mlaas.yaml, got ${JSON.stringify(iss.input)}` }),
  variables: z.record(z.string(), z.string()).optional(),
  prune: z.boolean().optional(),
});

function requestOf(body: z.output<typeof planBody>): PlanRequest {
  return {
    configPath: body.configPath,
    ...(body.variables === undefined ? {} : { variables: body.variables }),
    ...(body.prune === undefined ? {} : { prune: body.prune }),
  };
}

export function planRoutes(applier: ConfigApplier): AdminRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/plan',
      body: planBody,
      handle: async ({ body }) => ({ status: 200, body: await applier.plan(requestOf(body)) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/apply',
      body: planBody,
      handle: ({ body }) => ({ status: 200, events: (emit) => applier.apply(requestOf(body), emit) }),
    }),
  ];
}

/**
 * `GET /v1/services/:name/logs`: what `mlaas logs` prints. The service's
 * instance logs, or with `requests=true` its lines of the request log, as
 * NDJSON (the log's own JSON lines), filtered by `revision`, `instance` and
 * `since` (a duration back from now: `10m`); with `follow=true` the answer
 * stays open and carries each new line as it is written.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { duration } from '../api/schema-fields.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import { found } from './admin-routes.js';
import { LogTail } from './log-tail.js';
import type { StateStore } from '../state/state-store.js';

/** How often a follower looks for new lines: well within the second `mlaas logs --follow` promises. */
export const FOLLOW_POLL_MS = 200;

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const logsQuery = z.strictObject({
  revision: z.string().min(1).optional(),
  instance: z.string().min(1).optional(),
  since: duration(0, 30 * 24 * 3_600_000).optional(),
  requests: flag.default(false),
  follow: flag.default(false),
});

export interface LogRoutesDeps {
  store: StateStore;
  logsDir: string;
  /** Aborted when the platform stops: followers end, so that the admin server can close. */
  closing?: AbortSignal;
  now?: () => number;
}

export function logRoutes(deps: LogRoutesDeps): AdminRoute[] {
  const now = deps.now ?? Date.now;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/services/:name/logs',
      query: logsQuery,
      handle: ({ params, query }) => {
        const service = params['name'] ?? '';
        found(deps.store.getService(service), `service ${service}`);
        const { revision, instance, since, requests, follow } = query;
        const tail = new LogTail(deps.logsDir, { service, revision, instance, requests, sinceMs: since === undefined ? undefined : now() - since });
        return {
          status: 200,
          stream: {
            contentType: 'application/x-ndjson',
            async run(write, left) {
              const signal = deps.closing === undefined ? left : AbortSignal.any([left, deps.closing]);
              for (;;) {
                const lines = tail.read();
                if (lines.length > 0) write(`${lines.join('\n')}\n`);
                if (!follow || signal.aborted) return;
                await sleep(FOLLOW_POLL_MS, undefined, { signal }).catch(() => undefined);
                if (signal.aborted) return;
              }
            },
          },
        };
      },
    }),
  ];
}

/**
 * How `mlaas up` runs HAProxy in front (`gateway.dataplane: haproxy`), wired
 * to the rest of the primary: the in-process TypeScript gateway listens on a
 * loopback port of its own behind it, HAProxy follows the primary's store,
 * its key uses go to the primary's recorder and its counts to /metrics; and
 * an admin change is answered once HAProxy serves it.
 */
import path from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayStateSource } from './api/gateway-snapshot.js';
import type { GatewayOperation, MlaasConfig } from './config/index.js';
import type { BackendIdTokens } from './gateway/backend-id-tokens.js';
import type { HaproxyDataPlane } from './haproxy/haproxy-data-plane.js';
import { openFileLimit } from './http/open-file-limit.js';
import { listen } from './listen-server.js';
import type { PlatformObservability } from './platform-observability.js';
import { freePort } from './runtime/free-port.js';

/** Revisions HAProxy can hold instances of at once; more are served by the TypeScript gateway. */
const HAPROXY_SLOTS = 64;

export interface HaproxyWiring {
  config: MlaasConfig;
  host: string;
  /** gateway.port; 0: a free one. */
  port: number;
  threads: number;
  /** The TypeScript gateway's server, which listens behind HAProxy. */
  gatewayServer: Server;
  operations: readonly GatewayOperation[];
  store: GatewayStateSource & { atomically<T>(fn: () => T): T };
  idTokens: BackendIdTokens;
  keyUsage: { record(keyId: string, atMs: number): void };
  observed: Pick<PlatformObservability, 'metrics' | 'registry'>;
  logger: Logger;
}

export async function startHaproxy(w: HaproxyWiring): Promise<HaproxyDataPlane> {
  const { HaproxyDataPlane } = await import('./haproxy/haproxy-data-plane.js');
  const { connections } = w.config.gateway;
  const haproxy = await HaproxyDataPlane.start({
    dir: path.join(w.config.stateDir, 'haproxy'),
    host: w.host,
    port: w.port === 0 ? await freePort() : w.port,
    fallbackPort: await listen(w.gatewayServer, 0, '127.0.0.1', 'the TypeScript gateway behind HAProxy'),
    slots: HAPROXY_SLOTS,
    threads: w.threads,
    maxBodyBytes: w.config.gateway.maxBodyBytes,
    // Two descriptors per connection (caller and instance) within its open-file limit, with room for its own.
    maxConnections: connections.max ?? Math.floor((openFileLimit() - 64) / 2),
    headerTimeoutMs: connections.headerTimeout,
    keepAliveTimeoutMs: connections.keepAliveTimeout,
    requestTimeoutMs: connections.requestTimeout,
    operations: w.operations,
    store: w.store,
    idTokens: w.idTokens,
    onKeyUsed: (id, atMs) => w.keyUsage.record(id, atMs),
    logger: w.logger.child({ component: 'haproxy' }),
  });
  if (w.observed.metrics !== undefined) (await import('./haproxy/haproxy-metrics.js')).registerHaproxyMetrics(w.observed.registry, haproxy);
  return haproxy;
}

/**
 * An admin change is answered once HAProxy serves it too, as once every
 * `mlaas gateway` replica does: the next request after the answer already meets the change there.
 */
export function settleHaproxy(settle: () => Promise<void>, haproxy: () => HaproxyDataPlane | undefined, logger: Logger): () => Promise<void> {
  return async () => {
    await settle();
    await haproxy()
      ?.refresh()
      .catch((err: unknown) => logger.warn({ err }, 'answered a change before HAProxy applied it'));
  };
}

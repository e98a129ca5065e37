/**
 * How `mlaas up` runs its gateway as N worker processes (`gateway.workers`
 * > 1), wired to the rest of the primary: each worker starts from, and
 * follows, the snapshot of the primary's own store (read in one transaction
 * on each change the store reports, coalesced to one read per turn of the
 * event loop), its rate limits are the primary's limiter's, its key uses
 * and request-log lines are written by the primary, and its metrics are
 * added to the primary's /metrics. The primary's in-process gateway does
 * not listen on gateway.port then: it is the activator workers send
 * requests for a revision at zero to.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { readGatewaySnapshot, type GatewayStateSource } from './api/gateway-snapshot.js';
import type { GatewayOperation, MlaasConfig } from './config/index.js';
import { GatewayWorkers } from './gateway-workers.js';
import type { QuotaChecker } from './gateway/quota-checker.js';
import { SnapshotRefresher } from './gateway/snapshot-refresher.js';
import type { PlatformObservability } from './platform-observability.js';

export interface GatewayWorkersWiring {
  count: number;
  config: MlaasConfig;
  port: number;
  host: string;
  operations: readonly GatewayOperation[];
  store: GatewayStateSource & { atomically<T>(fn: () => T): T };
  quotas: QuotaChecker;
  keyUsage: { record(keyId: string, atMs: number): void };
  observed: Pick<PlatformObservability, 'metrics' | 'registry' | 'requestLogFile'>;
  logger: Logger;
}

export interface RunningGatewayWorkers {
  port: number;
  workers: GatewayWorkers;
  /** The gateway document changed: every worker serves these operations from its next request. */
  setOperations(operations: readonly GatewayOperation[]): void;
  /** Before these instances stop: every worker learns they are gone, then lets what it has in flight to them finish. */
  drainInstances(ids: readonly string[], timeoutMs: number): Promise<void>;
  /** Drains every worker and stops following the store. */
  stop(): Promise<void>;
}

export async function startGatewayWorkers(w: GatewayWorkersWiring): Promise<RunningGatewayWorkers> {
  const { config, observed } = w;
  const requestLogFile = observed.requestLogFile;
  let operations = w.operations;
  const read = () => w.store.atomically(() => readGatewaySnapshot(w.store));
  const workers = new GatewayWorkers({
    count: w.count,
    settings: {
      host: w.host,
      port: w.port,
      maxBodyBytes: config.gateway.maxBodyBytes,
      connections: config.gateway.connections,
      stateDir: config.stateDir,
      jwksBaseDir: path.dirname(config.gateway.document),
      metrics: config.metrics.enabled ? { tenantLabels: config.metrics.tenantLabels } : undefined,
      requestLog: requestLogFile === undefined ? undefined : { sample: config.requestLogs.sample },
      quotas: config.quotas,
    },
    operations: () => operations,
    snapshot: read,
    quotas: w.quotas,
    onKeyUsed: (id, atMs) => w.keyUsage.record(id, atMs),
    onRequestLogLine: requestLogFile === undefined ? undefined : (line) => requestLogFile.write(line),
    logger: w.logger.child({ component: 'gateway-workers' }),
  });
  let pending = false;
  const refresher = new SnapshotRefresher({
    source: {
      onChange: (listener) =>
        w.store.onChange(() => {
          if (pending) return;
          pending = true;
          setImmediate(() => {
            pending = false;
            listener();
          });
        }),
    },
    read,
    apply: (snapshot) => workers.broadcast({ t: 'snapshot', snapshot }),
    logger: w.logger.child({ component: 'snapshot' }),
  });
  if (observed.metrics !== undefined) observed.registry.addPeers(() => workers.metrics());
  let port: number;
  try {
    port = await workers.start();
  } catch (err) {
    await workers.stop();
    throw err;
  }
  refresher.start();
  return {
    port,
    workers,
    setOperations(next) {
      operations = next;
      workers.broadcast({ t: 'operations', operations });
    },
    drainInstances(ids, timeoutMs) {
      // The store already has them gone (the supervisor published its ready set first); the channel keeps order.
      refresher.refresh();
      return workers.drainInstances(ids, timeoutMs);
    },
    async stop() {
      refresher.stop();
      await workers.stop();
    },
  };
}

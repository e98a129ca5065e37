/**
 * The composition root of one gateway worker: a process `mlaas up` forks
 * (node:cluster) when `gateway.workers` is above 1. It serves gateway.port,
 * which every worker shares, from the full snapshot the primary sends it
 * (api/gateway-snapshot.ts, applied as `mlaas gateway` applies one) and
 * again on every change; requests for a revision with no ready instance go
 * to the primary's activator. Rate limits are counted by the primary
 * (IpcQuotaChecker), or in Redis by each worker with `quotas.redis`. Every
 * REPORT_EVERY_MS it tells the primary its load per revision (for the
 * autoscaler), the keys it accepted (their last use) and its request-log
 * lines (one file, written by the primary); the primary asks it for its
 * metrics at scrape time. On the primary's `drain` it finishes what is in
 * flight and exits; SIGINT is the primary's to act on (Ctrl-C reaches the
 * whole process group); SIGTERM drains it, and the primary starts another.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { GatewaySnapshot } from './api/gateway-snapshot.js';
import { MlaasError } from './errors.js';
import { ensureGatewaySigningKey } from './state/gateway-signing-key.js';
import { BackendIdTokens } from './gateway/backend-id-tokens.js';
import { createGateway, type Gateway } from './gateway/index.js';
import { IpcQuotaChecker } from './gateway/ipc-quota-checker.js';
import type { QuotaChecker } from './gateway/quota-checker.js';
import { RequestLog } from './gateway/request-log.js';
import { SnapshotApplier } from './gateway/snapshot-applier.js';
import { FromWorkerSchema, ToWorkerSchema, type FromWorker, type ToWorker, type WorkerSettings } from './gateway/worker-messages.js';
import { listen } from './listen-server.js';
import { createFileLogger } from './logger.js';

/** How often a worker reports load, key uses and request-log lines: the autoscaler's view lags by at most this. */
export const REPORT_EVERY_MS = 200;

function send(message: FromWorker): void {
  process.send?.(FromWorkerSchema.parse(message));
}

/** Runs this process as a gateway worker; returns once it listens, or exits non-zero saying why it cannot. */
export async function runGatewayWorker(): Promise<void> {
  const init = await new Promise<Extract<ToWorker, { t: 'init' }>>((resolve) => {
    const first = (raw: unknown): void => {
      const message = ToWorkerSchema.safeParse(raw);
      if (!message.success || message.data.t !== 'init') return;
      process.off('message', first);
      resolve(message.data);
    };
    process.on('message', first);
    send({ t: 'ready' });
  });
  // mlaas.log, appended to by every process of the platform; each line names its pid.
  const logger = createFileLogger(path.join(init.settings.stateDir, 'logs', 'mlaas.log')).child({ component: 'gateway-worker' });
  try {
    await serve(init.settings, init.operations, init.snapshot, logger);
  } catch (err) {
    send({ t: 'failed', error: err instanceof Error ? err.message : String(err), code: err instanceof MlaasError ? err.code : undefined });
    process.exit(1);
  }
}

async function serve(settings: WorkerSettings, operations: Extract<ToWorker, { t: 'init' }>['operations'], first: GatewaySnapshot, logger: Logger): Promise<void> {
  const applier = new SnapshotApplier();
  const ipcQuotas = settings.quotas === undefined ? new IpcQuotaChecker((m) => process.send?.(m)) : undefined;
  const quotas: QuotaChecker & { close?(): unknown } =
    ipcQuotas ?? (await (await import('./gateway/redis-quota-limiter.js')).RedisQuotaLimiter.connect({ settings: settings.quotas!, logger: logger.child({ component: 'quotas' }) }));
  const registry = settings.metrics === undefined ? undefined : new Registry();
  const keysUsed = new Map<string, number>();
  let lines: string[] = [];
  const idTokens = new BackendIdTokens({ key: await ensureGatewaySigningKey(settings.stateDir), issuer: () => applier.activator()?.issuer ?? '' });
  const gateway: Gateway = createGateway({
    operations,
    keys: [],
    tenants: [],
    instances: applier,
    remoteActivator: () => applier.activator(),
    onKeyUsed: (id, atMs) => keysUsed.set(id, atMs),
    jwksBaseDir: settings.jwksBaseDir,
    idTokens,
    maxBodyBytes: settings.maxBodyBytes,
    connections: settings.connections,
    logger: logger.child({ component: 'gateway' }),
    metrics: registry === undefined ? undefined : { registry, tenantLabels: settings.metrics?.tenantLabels },
    requestLog: settings.requestLog === undefined ? undefined : new RequestLog({ destination: { write: (line: string) => lines.push(line) }, sample: settings.requestLog.sample }),
    quotas,
  });
  let snapshot = first;
  applier.apply(gateway, snapshot);

  const report = (): void => {
    const load = new Map<string, [number, number]>();
    for (const revision of snapshot.limits.keys()) load.set(revision, [gateway.revisionLoad(revision), gateway.revisionRequests(revision)]);
    send({ t: 'report', load, inFlight: gateway.inFlight(), keysUsed: new Map(keysUsed), requestLogLines: lines });
    keysUsed.clear();
    lines = [];
  };
  const reporting = setInterval(report, REPORT_EVERY_MS);

  let draining: Promise<void> | undefined;
  const drain = (): Promise<void> => {
    draining ??= (async () => {
      clearInterval(reporting);
      await gateway.close();
      // What the last requests left: their load is zero now, their keys and lines go with it.
      if (process.connected) report();
      ipcQuotas?.close();
      await quotas.close?.();
      process.exit(0);
    })();
    return draining;
  };

  process.on('message', (raw: unknown) => {
    const parsed = ToWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.length }, 'ignored a message from the primary that is not one');
      return;
    }
    const message = parsed.data;
    switch (message.t) {
      case 'snapshot':
        try {
          applier.apply(gateway, message.snapshot);
          snapshot = message.snapshot;
        } catch (err) {
          logger.error({ err: err instanceof Error ? err.message : String(err) }, 'snapshot refused: the last one keeps serving');
        }
        break;
      case 'operations':
        gateway.setOperations(message.operations);
        break;
      case 'quota':
        ipcQuotas?.answer(message.id, message.result);
        break;
      case 'metrics':
        void (registry?.getMetricsAsJSON() ?? Promise.resolve([])).then((metrics) => send({ t: 'metrics', id: message.id, metrics }));
        break;
      case 'drain':
        void drain();
        break;
      case 'drain-instances':
        void gateway.drainInstances(message.ids, message.timeoutMs).then(() => send({ t: 'drained', id: message.id }));
        break;
      case 'init':
        break;
    }
  });
  // The primary is gone (killed): nothing answers quotas or restarts this worker any more.
  process.on('disconnect', () => {
    ipcQuotas?.close();
    void drain();
  });
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => void drain());

  const port = await listen(gateway.server, settings.port, settings.host, 'gateway.port');
  send({ t: 'listening', port });
}

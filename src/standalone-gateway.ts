/**
 * The composition root of `mlaas gateway`: the gateway alone, in a process
 * of its own, in front of the platform services a control plane (`mlaas up`
 * on the same state directory) runs. It serves the routes of its own gateway
 * document; keys, tenants, flags, traffic and ready instances come from the
 * store as one snapshot (api/gateway-snapshot.ts), rebuilt on each change
 * and swapped whole; a request for a revision with no ready instance goes
 * to the control plane's activator, which holds it through the cold start.
 * The gateway document is read again when it changes on disk or on `reload`
 * (SIGHUP); an invalid one changes nothing.
 * The store is the one mlaas.yaml names (the SQLite file of the state
 * directory, or `state: postgres://…`), never migrated here; `quotas.redis`
 * shares its limits with every other gateway. It reports to the control plane
 * what it applied and its load (gateway/replica-reporter.ts): the admin API
 * answers a change once every live gateway serves it, and the autoscaler
 * counts its requests. It never changes desired state: it writes only keys' last use.
 * The backends' ID-token signing key is read from the state directory (a
 * replica on another machine needs a copy of that file).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { readGatewaySnapshot } from './api/gateway-snapshot.js';
import { loadGatewayDocument, type LoadedConfig } from './config/index.js';
import { watchFiles } from './config/watch-files.js';
import { ensureGatewaySigningKey } from './state/gateway-signing-key.js';
import { BackendIdTokens } from './gateway/backend-id-tokens.js';
import { openStateStore, stateLocation } from './state/open-state-store.js';
import { latestChange } from './state/latest-change.js';
import type { StateStore } from './state/state-store.js';
import { writeKeyUsage } from './state/write-key-usage.js';
import { KeyUsageRecorder } from './gateway/key-usage-recorder.js';
import type { RedisQuotaLimiter } from './gateway/redis-quota-limiter.js';
import { ReplicaReporter } from './gateway/replica-reporter.js';
import { registerSnapshotMetrics } from './gateway/snapshot-metrics.js';
import { createGateway } from './gateway/index.js';
import { healthEndpoint } from './gateway/health-endpoint.js';
import { SnapshotApplier } from './gateway/snapshot-applier.js';
import { SnapshotRefresher, type SnapshotHealth } from './gateway/snapshot-refresher.js';
import { createHttpServer, GATEWAY_LISTENER } from './http/index.js';
import { closeServer, listen } from './listen-server.js';
import { createFileLogger } from './logger.js';

export interface StandaloneGatewayOptions {
  /** Overrides `gateway.port` (0 = any free port). */
  port?: number;
  /** Where `GET /healthz` listens, on loopback (default 0: any free port). */
  healthPort?: number;
  logger?: Logger;
}

export interface StandaloneGateway {
  gatewayUrl: string;
  healthUrl: string;
  stateDir: string;
  /** Where the store is: the SQLite file, or the PostgreSQL URL without its password. */
  stateLocation: string;
  health(): SnapshotHealth;
  /** Reads the gateway document again and serves its routes from the next request; throws, changing nothing, for an invalid one. */
  reload(): Promise<{ routes: number }>;
  /** Drains in-flight requests, then closes the listeners and the store. */
  stop(): Promise<void>;
}

export async function startStandaloneGateway(loaded: LoadedConfig, options: StandaloneGatewayOptions = {}): Promise<StandaloneGateway> {
  const { config } = loaded;
  const stateDir = config.stateDir;
  // Refuses a store no control plane has written: the schema is the control plane's to create.
  const store = openStateStore(config, { migrate: false });
  const logger = options.logger ?? createFileLogger(path.join(stateDir, 'logs', 'gateway.log'));
  const undo: Array<() => unknown> = [() => store.close()];
  try {
    return await assemble(loaded, store, logger, options, undo);
  } catch (err) {
    logger.error({ err }, 'mlaas gateway: start-up failed');
    for (const step of undo.reverse()) await step();
    logger.flush();
    throw err;
  }
}

async function assemble(
  loaded: LoadedConfig,
  store: StateStore,
  logger: Logger,
  options: StandaloneGatewayOptions,
  undo: Array<() => unknown>,
): Promise<StandaloneGateway> {
  const { config } = loaded;
  const keyUsage = new KeyUsageRecorder({
    flush: (used) => writeKeyUsage(store, used),
    onError: (err) => logger.warn({ err }, 'could not record API keys’ last use'),
  });
  undo.push(() => keyUsage.close());
  const applier = new SnapshotApplier();
  // Loaded only with quotas.redis; an unreachable Redis does not hold up start-up (the gateway starts degraded).
  let sharedQuotas: RedisQuotaLimiter | undefined;
  if (config.quotas !== undefined) {
    const { RedisQuotaLimiter } = await import('./gateway/redis-quota-limiter.js');
    sharedQuotas = await RedisQuotaLimiter.connect({ settings: config.quotas, logger: logger.child({ component: 'quotas' }) });
    const opened = sharedQuotas;
    undo.push(() => opened.close());
  }
  const registry = new Registry();
  // The platform's key, from the state dir as `mlaas up` made it; the issuer is the control plane's, from the store.
  const idTokens = new BackendIdTokens({ key: await ensureGatewaySigningKey(config.stateDir), issuer: () => applier.activator()?.issuer ?? '' });
  const gateway = createGateway({
    operations: loaded.gateway.operations,
    keys: [],
    tenants: [],
    instances: applier,
    remoteActivator: () => applier.activator(),
    onKeyUsed: (id, atMs) => keyUsage.record(id, atMs),
    jwksBaseDir: path.dirname(config.gateway.document),
    idTokens,
    maxBodyBytes: config.gateway.maxBodyBytes,
    connections: config.gateway.connections,
    logger: logger.child({ component: 'gateway' }),
    quotas: sharedQuotas,
    ...(config.metrics.enabled ? { metrics: { registry, tenantLabels: config.metrics.tenantLabels } } : {}),
  });
  undo.push(() => gateway.close());
  // Set by `read`, used by `apply` right after it: the change the snapshot being applied was read after.
  let reading = 0;
  let applied = 0;
  let revisions: string[] = [];
  const reporter = new ReplicaReporter({
    // Within the report schema's 200 characters whatever the host name.
    id: `${os.hostname().slice(0, 100)}/${process.pid}/${randomUUID()}`,
    target: () => {
      const activator = applier.activator();
      // The activator's issuer is the control plane's admin API.
      return activator === undefined || activator.issuer === '' ? undefined : { url: activator.issuer, token: activator.token };
    },
    applied: () => applied,
    inFlight: () => Object.fromEntries(revisions.map((r) => [r, gateway.revisionLoad(r)])),
    requests: () => Object.fromEntries(revisions.map((r) => [r, gateway.revisionRequests(r)])),
    logger: logger.child({ component: 'report' }),
  });
  const refresher = new SnapshotRefresher({
    source: store,
    // One read transaction: a snapshot never mixes two states of the store.
    read: () =>
      store.atomically(() => {
        // First: whatever the rest reads is at least this new.
        reading = latestChange(store);
        return readGatewaySnapshot(store);
      }),
    apply: (snapshot) => {
      applier.apply(gateway, snapshot);
      applied = reading;
      revisions = [...snapshot.limits.keys()];
      reporter.nudge();
    },
    logger: logger.child({ component: 'snapshot' }),
  });
  refresher.start();
  undo.push(() => refresher.stop());
  reporter.start();
  undo.push(() => reporter.stop());
  registerSnapshotMetrics(registry, () => refresher.health());

  const health = createHttpServer(
    { listener: GATEWAY_LISTENER },
    healthEndpoint({
      snapshot: () => refresher.health(),
      ...(sharedQuotas === undefined ? {} : { quotaStore: () => (sharedQuotas as RedisQuotaLimiter).status() }),
      ...(config.metrics.enabled ? { registry } : {}),
    }),
  );
  const healthPort = await listen(health, options.healthPort ?? 0, '127.0.0.1', 'the health port', '`mlaas gateway --health-port`');
  undo.push(() => closeServer(health));
  const host = config.gateway.host ?? '127.0.0.1';
  const port = await listen(gateway.server, options.port ?? config.gateway.port, host, 'gateway.port', '`mlaas gateway --port`');
  const gatewayUrl = `http://${host}:${port}`;
  const reload = async (): Promise<{ routes: number }> => {
    const document = await loadGatewayDocument(config.gateway.document);
    gateway.setOperations(document.operations);
    logger.info({ routes: document.operations.length }, 'gateway document reloaded');
    return { routes: document.operations.length };
  };
  const watch = watchFiles(
    [config.gateway.document],
    () =>
      void reload().catch((err: unknown) =>
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'gateway document refused: the running routes keep serving'),
      ),
    { onError: (err, dir) => logger.warn({ err: err instanceof Error ? err.message : String(err), dir }, 'cannot watch this directory for changes') },
  );
  const healthUrl = `http://127.0.0.1:${healthPort}/healthz`;
  logger.info({ gatewayUrl, healthUrl, stateDir: config.stateDir }, 'mlaas gateway up');

  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl,
    healthUrl,
    stateDir: config.stateDir,
    stateLocation: stateLocation(config),
    health: () => refresher.health(),
    reload,
    stop() {
      stopping ??= (async () => {
        watch.close();
        refresher.stop();
        reporter.stop();
        await Promise.all([gateway.close(), closeServer(health)]);
        await sharedQuotas?.close();
        keyUsage.close();
        store.close();
        logger.info('mlaas gateway stopped');
        logger.flush();
      })();
      return stopping;
    },
  };
}

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
 * It never migrates or changes desired state: it writes only keys' last use.
 * Its load is not yet seen by the control plane's autoscaler, beyond what it
 * sends the activator (issue 15, item 2: gateways report load to the primary).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { readGatewaySnapshot } from './api/gateway-snapshot.js';
import { loadGatewayDocument, type LoadedConfig } from './config/index.js';
import { watchFiles } from './config/watch-files.js';
import { ensureGatewaySigningKey } from './control-plane/gateway-signing-key.js';
import { recordKeyUsage } from './control-plane/publish-tenancy.js';
import { BackendIdTokens } from './gateway/backend-id-tokens.js';
import { SqliteStateStore } from './control-plane/sqlite-state-store.js';
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
  health(): SnapshotHealth;
  /** Reads the gateway document again and serves its routes from the next request; throws, changing nothing, for an invalid one. */
  reload(): Promise<{ routes: number }>;
  /** Drains in-flight requests, then closes the listeners and the store. */
  stop(): Promise<void>;
}

export async function startStandaloneGateway(loaded: LoadedConfig, options: StandaloneGatewayOptions = {}): Promise<StandaloneGateway> {
  const { config } = loaded;
  const stateDir = config.stateDir;
  // Refuses a state directory no control plane has written: the schema is the control plane's to create.
  const store = new SqliteStateStore({ stateDir, migrate: false });
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
  store: SqliteStateStore,
  logger: Logger,
  options: StandaloneGatewayOptions,
  undo: Array<() => unknown>,
): Promise<StandaloneGateway> {
  const { config } = loaded;
  const keyUsage = recordKeyUsage(store, (err) => logger.warn({ err }, 'could not record API keys’ last use'));
  undo.push(() => keyUsage.close());
  const applier = new SnapshotApplier();
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
  });
  undo.push(() => gateway.close());
  const refresher = new SnapshotRefresher({
    source: store,
    // One read transaction: a snapshot never mixes two states of the store.
    read: () => store.atomically(() => readGatewaySnapshot(store)),
    apply: (snapshot) => applier.apply(gateway, snapshot),
    logger: logger.child({ component: 'snapshot' }),
  });
  refresher.start();
  undo.push(() => refresher.stop());

  const health = createHttpServer({ listener: GATEWAY_LISTENER }, healthEndpoint(() => refresher.health()));
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
    health: () => refresher.health(),
    reload,
    stop() {
      stopping ??= (async () => {
        watch.close();
        refresher.stop();
        await Promise.all([gateway.close(), closeServer(health)]);
        keyUsage.close();
        store.close();
        logger.info('mlaas gateway stopped');
        logger.flush();
      })();
      return stopping;
    },
  };
}

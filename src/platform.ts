/**
 * The composition root of `mlaas up`: gateway, control plane and runtime in
 * one process, wired together here and nowhere else. `startPlatform` returns
 * once both servers listen and every service has had its first chance to
 * serve; `stop` drains and stops everything, leaving no child process.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ArtifactStore, defaultCacheDir } from './artifacts/index.js';
import { adoptOldArchives } from './artifacts/adopt-old-archives.js';
import { AutoscalerLoop, ColdStartLog } from './autoscaler/index.js';
import type { LoadedConfig } from './config/index.js';
import { watchFiles, type FileWatch } from './config/watch-files.js';
import { createAdminServer } from './control-plane/admin-api.js';
import { metricsRoutes } from './control-plane/admin-routes-metrics.js';
import { platformAdminRoutes } from './control-plane/platform-admin-routes.js';
import { ServiceSeries } from './control-plane/service-series.js';
import { jwksRoutes } from './control-plane/admin-routes-jwks.js';
import { ensureAdminToken } from './control-plane/admin-token.js';
import { ConfigApplier } from './control-plane/config-applier.js';
import { ConfigReloader } from './control-plane/config-reloader.js';
import type { ReloadReport } from './control-plane/reload-report.js';
import { publishTenancy, tenancyOf } from './control-plane/publish-tenancy.js';
import { ensureDemoKey } from './control-plane/demo-key.js';
import { ensureGatewaySigningKey } from './state/gateway-signing-key.js';
import { Deployer } from './control-plane/deployer.js';
import { RevisionGcLoop } from './control-plane/revision-gc-loop.js';
import { RevisionReconciler } from './control-plane/revision-reconciler.js';
import { revisionHealth } from './control-plane/revision-health.js';
import { revisionScaling } from './control-plane/revision-scaling.js';
import { RevisionLauncher } from './control-plane/revision-launcher.js';
import { openStateStore, stateLocation } from './state/open-state-store.js';
import { GatewayReplicas, settleChanges } from './control-plane/gateway-replicas.js';
import { gatewayReportRoutes } from './control-plane/admin-routes-gateways.js';
import { unroutedMessage } from './control-plane/unrouted-services.js';
import type { RevisionRecord } from './state/state-store.js';
import { lockStateDir, type StateDirLock } from './control-plane/state-dir-lock.js';
import { DataPlanePublisher } from './control-plane/data-plane-publisher.js';
import { closeServer, listen } from './listen-server.js';
import { startResults } from './platform-start-results.js';
import { BackendIdTokens } from './gateway/backend-id-tokens.js';
import { createGateway, type Gateway } from './gateway/index.js';
import { KeyUsageRecorder } from './gateway/key-usage-recorder.js';
import { QuotaLimiter } from './gateway/quota-limiter.js';
import { writeKeyUsage } from './state/write-key-usage.js';
import { gatewayWorkerCount } from './config/gateway-worker-count.js';
import { startGatewayWorkers, type RunningGatewayWorkers } from './platform-gateway-workers.js';
import { platformStatus, revisionLoad, revisionRequests, type GatewayLoadSources } from './platform-load.js';
import { platformObservability } from './platform-observability.js';
import { otlpTracingFromEnv } from './tracing/otlp-tracing-from-env.js';
import { compileRouting } from './gateway/traffic-router.js';
import { createFileLogger } from './logger.js';
import { createBlobBackend, ModelCache, ModelRegistry, seedModels } from './models/index.js';
import { chooseInstanceUser } from './runtime/instance-user.js';
import { reapOrphans } from './runtime/reap-orphans.js';
import { Supervisor } from './runtime/supervisor.js';
import { RuntimePool } from './runtime/runtime-pool.js';
import type { HaproxyDataPlane } from './haproxy/haproxy-data-plane.js';
import { settleHaproxy, startHaproxy } from './platform-haproxy.js';

import type { Platform, PlatformOptions, ReloadTrigger } from './platform-types.js';

export type { Platform, PlatformOptions, ReloadOutcome, ReloadTrigger, ServiceStartResult } from './platform-types.js';

/** Written at start so the CLI finds a running platform: `<stateDir>/endpoint.json`. */
export const ENDPOINT_FILE = 'endpoint.json';

/** The mlaas package root: services import `mlaas/sdk` from it. */
const PLATFORM_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Starts everything, or nothing: when a step fails, what the steps before it
 * started is stopped again (instances killed, servers closed, endpoint file
 * removed), the failure is logged, and the error is thrown for the caller to report.
 */
export async function startPlatform(loaded: LoadedConfig, options: PlatformOptions = {}): Promise<Platform> {
  const stateDir = loaded.config.stateDir;
  // Owner-only: the admin token, state.db and the demo keys live here (an older mlaas made it 0755).
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  // Before anything else, orphan reaping above all: it would kill a running platform's instances.
  const lock = lockStateDir(stateDir);
  const logsDir = path.join(stateDir, 'logs');
  mkdirSync(logsDir, { recursive: true, mode: 0o700 });
  const logger = options.logger ?? createFileLogger(path.join(logsDir, 'mlaas.log'));
  const undo: Array<() => unknown> = [lock.release];
  try {
    return await assemble(loaded, logger, options, undo, lock);
  } catch (err) {
    logger.error({ err }, 'start-up failed');
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (cleanupErr) {
        logger.warn({ err: cleanupErr }, 'could not undo a start-up step');
      }
    }
    logger.flush();
    throw err;
  }
}

/** The start-up steps in order; each pushes onto `undo` how to take back what it started. */
async function assemble(
  loaded: LoadedConfig,
  logger: Logger,
  options: PlatformOptions,
  undo: Array<() => unknown>,
  lock: StateDirLock,
): Promise<Platform> {
  const { config } = loaded;
  const stateDir = config.stateDir;
  const logsDir = path.join(stateDir, 'logs');
  const cacheDir = defaultCacheDir();
  // What instances read lives outside the state dir, where their user can reach it.
  for (const dir of [cacheDir, path.join(cacheDir, 'artifacts'), path.join(cacheDir, 'models')]) mkdirSync(dir, { recursive: true });
  const instances = chooseInstanceUser(config.instances.user, { platformUid: process.getuid?.() ?? -1, needs: [cacheDir, PLATFORM_ROOT] });
  const instanceUser = instances.user;
  if (instanceUser === undefined) logger.warn({ why: instances.shared }, 'instances run as the platform’s own user and can read what it can');
  const reaped = reapOrphans(stateDir);
  if (reaped.length > 0) logger.warn({ pids: reaped }, 'killed instances left running by an earlier mlaas');

  const models = new ModelRegistry({ backend: createBlobBackend(config.models.store, { baseDir: config.baseDir, stateDir }) });
  undo.push(() => models.backend.close());
  // Before the state store is touched: a seed file mlaas.yaml names wrongly must not leave its services half applied.
  for (const seed of await seedModels(models, config.models.seed)) {
    if (seed.pushed) logger.info(seed, 'seeded the model store');
  }
  const store = openStateStore(config);
  undo.push(() => store.close());
  const keyUsage = new KeyUsageRecorder({
    flush: (used) => writeKeyUsage(store, used),
    onError: (err) => logger.warn({ err }, 'could not record API keys’ last use'),
  });
  undo.push(() => keyUsage.close());
  const observed = platformObservability(config, logsDir, {
    instances: () => supervisor.status(),
    autoscaler: () => autoscaler.status(),
    shadow: () => gateway.shadowStats(),
  });
  undo.push(() => observed.close());
  const tracing = otlpTracingFromEnv(process.env, logger.child({ component: 'tracing' }));
  if (tracing !== undefined) undo.push(() => tracing.shutdown());
  const platformMetrics = observed.metrics;
  const modelCache = new ModelCache({
    dir: path.join(cacheDir, 'models'),
    registry: models,
    events: {
      loaded: (model, ms) => platformMetrics?.modelLoaded(model.name, ms),
      digestMismatch: (model) => platformMetrics?.digestFailed(model.name),
    },
  });
  const adminToken = ensureAdminToken(stateDir);
  // The issuer is the admin API, where the key set is published; it listens before the gateway takes a request.
  let adminUrl = '';
  const idTokens = new BackendIdTokens({ key: await ensureGatewaySigningKey(stateDir), issuer: () => adminUrl });

  // Made before the gateway and supervisor it reads: its callbacks only run once it is started, below.
  const scaled = new Map<string, RevisionRecord>();
  const deciderSettings = new Map<string, ReturnType<typeof revisionScaling>['decider']>();
  // `mlaas gateway` replicas: their load joins the in-process gateway's, and changes are answered once they serve them.
  const replicas = new GatewayReplicas();
  // The gateway and its workers are made below; the autoscaler reads them only once started.
  const load: GatewayLoadSources = {
    get gateway() {
      return gateway;
    },
    replicas,
    workers: () => workers,
    haproxy: () => haproxy,
  };
  const autoscaler = new AutoscalerLoop({
    revisions: function* () {
      for (const [name, rev] of scaled) {
        let config = deciderSettings.get(name);
        if (config === undefined) {
          config = revisionScaling(rev).decider;
          deciderSettings.set(name, config);
        }
        yield {
          key: name,
          config,
          readyCount: supervisor.ready(name).length,
          inFlight: () => revisionLoad(load, name),
          requests: () => revisionRequests(load, name),
        };
      }
    },
    onDesired: (key, desired) => {
      const rev = scaled.get(key);
      if (rev !== undefined) supervisor.scale(runSpec(rev), desired);
    },
    onError: (err, key) => logger.error({ err, revision: key }, 'autoscaler failed'),
  });
  // Gateways in other processes (`mlaas gateway`) learn the ready instances and the activator from the store.
  const dataPlane = new DataPlanePublisher({
    store,
    ready: (revision) => supervisor.ready(revision),
    onError: (err) => logger.warn({ err }, 'could not publish ready instances for other gateways'),
  });
  undo.push(() => dataPlane.stop());
  const coldStarts = new ColdStartLog();
  const health = revisionHealth(store);
  const pool = new RuntimePool({
    size: config.instances.pool,
    user: instanceUser,
    onFailure: (reason) => logger.warn({ component: 'runtime-pool' }, reason),
  });
  const supervisor = new Supervisor({
    logsDir,
    user: instanceUser,
    pool,
    beforeStop: async (id) => void (await Promise.all([gateway.drainInstances([id], 10_000), workers?.drainInstances([id], 10_000), haproxy?.drainInstances([id], 10_000)])),
    onFailure: (key, exit, consecutive) => health.failed(key, exit.reason, consecutive),
  });
  undo.push(() => supervisor.killAll());
  // Loaded only with quotas.redis; an unreachable Redis does not hold up start-up (the gateway starts degraded).
  const sharedQuotas =
    config.quotas === undefined
      ? undefined
      : await (await import('./gateway/redis-quota-limiter.js')).RedisQuotaLimiter.connect({ settings: config.quotas, logger: logger.child({ component: 'quotas' }) });
  if (sharedQuotas !== undefined) undo.push(() => sharedQuotas.close());
  // With workers, one limiter here counts every worker's requests (they ask it over IPC) unless Redis does.
  const workerCount = gatewayWorkerCount(config.gateway.workers);
  const withHaproxy = config.gateway.dataplane === 'haproxy';
  let workers: RunningGatewayWorkers | undefined;
  // With HAProxy in front, gateway.workers are its threads, and one TypeScript gateway behind it serves what it hands on.
  let haproxy: HaproxyDataPlane | undefined;
  const quotas = sharedQuotas ?? (workerCount > 1 && !withHaproxy ? new QuotaLimiter() : undefined);
  const gateway: Gateway = createGateway({
    operations: loaded.gateway.operations,
    ...tenancyOf(store),
    onKeyUsed: (id, atMs) => keyUsage.record(id, atMs),
    jwksBaseDir: path.dirname(config.gateway.document),
    idTokens,
    instances: supervisor,
    maxBodyBytes: config.gateway.maxBodyBytes,
    connections: config.gateway.connections,
    logger: logger.child({ component: 'gateway' }),
    activation: {
      poke: (revision) => autoscaler.poke(revision),
      coldStart: (revision, ms) => {
        coldStarts.record(revision, ms);
        platformMetrics?.coldStart(revision, ms);
      },
    },
    metrics: observed.gatewayMetrics,
    requestLog: observed.requestLog,
    tracer: tracing?.tracer,
    quotas,
    activatorToken: dataPlane.token,
  });
  const reloader = new ConfigReloader({
    started: loaded,
    store,
    target: {
      // Whatever else of the document the gateway comes to read must be switched here too, in this one call.
      setGatewayDocument: (document) => {
        [gateway, workers].forEach((g) => g?.setOperations(document.operations));
        haproxy?.setOperations(document.operations).catch((err: unknown) => logger.error({ err }, 'HAProxy could not take the new gateway document: it serves the one before'));
      },
      setKeys: (keys) => gateway.setKeys(keys),
      setTenants: (tenants) => gateway.setTenants(tenants),
      setFlags: (flags) => gateway.setFlags(flags),
      setOverridable: (overridable) => gateway.setOverridable(overridable),
    },
  });
  let fileWatch: FileWatch | undefined;
  const reloadLog = logger.child({ component: 'reload' });
  const reload = async (trigger: ReloadTrigger): Promise<ReloadReport> => {
    let report: ReloadReport;
    try {
      report = await reloader.reload();
    } catch (err) {
      const { code, errors } = err as { code?: string; errors?: unknown };
      reloadLog.error({ trigger, code, errors, err: err instanceof Error ? err.message : String(err) }, 'reload refused: the running configuration keeps serving');
      options.onReload?.({ trigger, error: err });
      throw err;
    }
    reloadLog.info({ trigger, ...report }, report.changed ? 'configuration reloaded' : 'configuration reloaded: nothing changed');
    if (report.notApplied.length > 0) reloadLog.warn({ trigger, notApplied: report.notApplied }, 'changes in the files that a reload does not apply');
    fileWatch?.setFiles(reloader.files());
    options.onReload?.({ trigger, report });
    return report;
  };
  if (options.watch !== false) {
    fileWatch = watchFiles(reloader.files(), () => reload('file watch').catch(() => undefined), {
      onError: (err, dir) => reloadLog.warn({ err: err instanceof Error ? err.message : String(err), dir }, 'cannot watch this directory for changes'),
    });
    const watching = fileWatch;
    undo.push(() => watching.close());
  }
  supervisor.onChange((key) => {
    gateway.instancesChanged(key);
    health.readyChanged(key, supervisor.ready(key).length);
    // Its store write after the requests the change released are on their way: a cold start's first byte does not wait for it.
    setImmediate(() => dataPlane.readyChanged(key));
  });
  const artifacts = new ArtifactStore({ dir: path.join(cacheDir, 'artifacts'), cacheDir, platformRoot: PLATFORM_ROOT });
  adoptOldArchives(path.join(stateDir, 'artifacts'), artifacts.dir);
  const launcher = new RevisionLauncher({ artifacts, models, modelCache, stateDir });
  const runSpec = (rev: RevisionRecord) => launcher.spec(rev);
  const reconciler = new RevisionReconciler({
    store,
    runtime: {
      ensure: (spec, count) => supervisor.ensure(spec, count),
      stopKey: (key) => supervisor.stopKey(key),
      instanceIds: (key) => supervisor.status().find((s) => s.key === key)?.instances.map((i) => i.id) ?? [],
    },
    publisher: {
      publish: (service, traffic) => gateway.setRouting(service, traffic && compileRouting(traffic)),
      drainInstances: async (ids, timeoutMs) =>
        void (await Promise.all([gateway.drainInstances(ids, timeoutMs), workers?.drainInstances(ids, timeoutMs), haproxy?.drainInstances(ids, timeoutMs)])),
      started: (rev) => {
        const scaling = revisionScaling(rev);
        const { concurrency, maxInstances, timeoutMs } = scaling;
        gateway.setRevisionLimits(rev.name, { concurrency, maxInstances, timeoutMs });
        scaled.set(rev.name, rev);
      },
      retired: (rev) => {
        scaled.delete(rev.name);
        gateway.forgetRevision(rev.name);
        gateway.setRevisionLimits(rev.name, undefined);
      },
    },
    instanceSpecOf: runSpec,
    prepare: (rev) => launcher.prepare(rev),
    initialInstancesOf: (rev) => revisionScaling(rev).initialInstances,
    onChange: (service) => revisionGc.poke(service),
    logger: logger.child({ component: 'revisions' }),
  });
  const revisionGc = new RevisionGcLoop({ store, reconciler, settings: config.revisions.gc, logger: logger.child({ component: 'revision-gc' }) });
  autoscaler.start();
  undo.push(() => autoscaler.stop());
  revisionGc.start();
  undo.push(() => revisionGc.stop());
  const deployer = new Deployer(store, artifacts, reconciler, models);
  const applier = new ConfigApplier({
    store,
    deployer,
    reconciler,
    models,
    tenancy: gateway,
    served: () => reloader.served(),
    reloaded: () => reloader.reloadedSinceApply(),
    setGatewayDocument: (document) => reloader.serve(document),
    onApplied: (applied) => reloader.adopt(applied),
    stateDir,
  });

  const closing = new AbortController();
  undo.push(() => closing.abort());
  const series = new ServiceSeries({
    registry: observed.registry,
    readyInstances: () => {
      const ready = new Map<string, number>();
      for (const k of supervisor.status()) ready.set(k.service, (ready.get(k.service) ?? 0) + k.ready);
      return ready;
    },
  });
  void series.start();
  undo.push(() => series.stop());
  const admin = createAdminServer({
    store,
    token: adminToken,
    connections: config.controlPlane.connections,
    status: platformStatus({ ...load, supervisor, autoscaler, coldStarts, sharedQuotas }),
    settle: settleHaproxy(settleChanges(replicas, store, logger.child({ component: 'admin' })), () => haproxy, logger),
    onChange: (what) => publishTenancy(gateway, store, what),
    logger: logger.child({ component: 'admin' }),
    routes: platformAdminRoutes({ store, reconciler, deployer, supervisor, reloader, models, reload: () => reload('admin API'), applier, logsDir, closing: closing.signal, series }),
    console: { assetsDir: path.join(PLATFORM_ROOT, 'dist', 'console') },
    publicRoutes: [...jwksRoutes(() => idTokens.jwks()), ...gatewayReportRoutes(replicas, dataPlane.token), ...(platformMetrics === undefined ? [] : metricsRoutes(observed.registry))],
  });

  // What served before a restart is routed before the gateway listens: requests wait for its instances, not 503.
  const serviceNames = store.listServices().map((s) => s.name);
  reconciler.publishStored(serviceNames);
  const adminPort = await listen(admin, options.adminPort ?? config.controlPlane.port, '127.0.0.1', 'controlPlane.port');
  undo.push(() => closeServer(admin));
  adminUrl = `http://127.0.0.1:${adminPort}`;
  const { metricsServer } = observed;
  let metricsUrl: string | undefined;
  if (metricsServer !== undefined) {
    const port = await listen(metricsServer, config.metrics.port ?? 0, config.metrics.host, 'metrics.port');
    undo.push(() => closeServer(metricsServer));
    metricsUrl = `http://${config.metrics.host}:${port}/metrics`;
  }
  // Loopback only, whatever the gateway's host: gateways of this machine send it what they cannot serve.
  const activatorServer = gateway.activatorServer as NonNullable<typeof gateway.activatorServer>;
  dataPlane.activatorListening(`http://127.0.0.1:${await listen(activatorServer, 0, '127.0.0.1', 'the activator')}`, adminUrl);
  undo.push(() => gateway.close());
  const host = config.gateway.host ?? '127.0.0.1';
  const port = options.gatewayPort ?? config.gateway.port;
  if (workerCount > 1 && quotas !== undefined && !withHaproxy) {
    workers = await startGatewayWorkers({ count: workerCount, config, port, host, operations: loaded.gateway.operations, store, quotas, keyUsage, observed, logger });
    undo.push(() => workers?.stop());
  }
  if (withHaproxy) {
    haproxy = await startHaproxy({ config, host, port, threads: workerCount, gatewayServer: gateway.server, operations: loaded.gateway.operations, store, idTokens, keyUsage, observed, logger });
    undo.push(() => haproxy?.stop());
  }
  const gatewayPort = haproxy?.port ?? workers?.port ?? (await listen(gateway.server, port, host, 'gateway.port'));
  const gatewayUrl = `http://${host}:${gatewayPort}`;
  const endpointFile = path.join(stateDir, ENDPOINT_FILE);
  writeFileSync(endpointFile, JSON.stringify({ gatewayUrl, adminUrl, pid: process.pid }, null, 2) + '\n', { mode: 0o600 });
  undo.push(() => rmSync(endpointFile, { force: true }));
  lock.update({ gatewayUrl, adminUrl });

  const recovered = await reconciler.recover(serviceNames);
  const errors = new Map<string, string>();
  const forceRevision = new Set(recovered.filter((r) => r.error !== undefined && config.services[r.service] !== undefined).map((r) => r.service));
  const started = await applier.startUp(loaded, {
    forceRevision,
    onServiceError: (service, err) => errors.set(service, err instanceof Error ? err.message : String(err)),
  });
  for (const f of started.failed) if (config.services[f.name] !== undefined) errors.set(f.name, f.error);
  const demoKeys: Record<string, string> = {};
  for (const [id, tenant] of Object.entries(config.tenants)) {
    if (tenant.demoKey && store.getTenant(id) !== undefined) demoKeys[id] = ensureDemoKey(store, stateDir, id);
  }
  publishTenancy(gateway, store, 'tenants');
  for (const service of started.unrouted) logger.warn({ service }, unroutedMessage(service));
  const services = startResults(Object.keys(config.services), errors, store, (revision) => supervisor.ready(revision).length);
  logger.info({ gatewayUrl, adminUrl, metricsUrl, services }, 'mlaas up');

  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl,
    gatewayWorkers: workers === undefined ? 1 : workerCount,
    adminUrl,
    adminToken,
    metricsUrl: metricsUrl ?? (platformMetrics === undefined ? undefined : `${adminUrl}/metrics`),
    demoKeys,
    services,
    unrouted: started.unrouted,
    stateDir,
    state: stateLocation(config),
    instances,
    reload,
    stop() {
      stopping ??= (async () => {
        // The front door first; requests they hold for a revision at zero are this process's gateway's.
        const workersDrained = Promise.all([workers?.stop(), haproxy?.stop()]);
        fileWatch?.close();
        closing.abort();
        await reloader.close();
        autoscaler.stop();
        series.stop();
        revisionGc.stop();
        await workersDrained;
        await Promise.all([gateway.close(), closeServer(admin), supervisor.stopAll(), metricsServer && closeServer(metricsServer)]);
        await sharedQuotas?.close();
        // After the gateway closed: the last requests' spans are ended and go in the final batch.
        await Promise.all([observed.close(), tracing?.shutdown()]);
        keyUsage.close();
        dataPlane.stop();
        store.close();
        models.backend.close();
        rmSync(endpointFile, { force: true });
        lock.release();
        logger.info('mlaas stopped');
        logger.flush();
      })();
      return stopping;
    },
    killNow() {
      supervisor.killAll();
    },
  };
}


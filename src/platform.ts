/**
 * The composition root of `mlaas up`: gateway, control plane and runtime in
 * one process, wired together here and nowhere else. `startPlatform` returns
 * once both servers listen and every service has had its first chance to
 * become ready; `stop` drains and stops everything, leaving no child process.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import type { LoadedConfig, ServiceConfig } from './config/index.js';
import { createAdminServer } from './control-plane/admin-api.js';
import { ensureAdminToken } from './control-plane/admin-token.js';
import { applyDeclaredState } from './control-plane/apply-declared-state.js';
import { ensureDemoKey } from './control-plane/demo-key.js';
import { SqliteStateStore } from './control-plane/sqlite-state-store.js';
import { createGateway } from './gateway/index.js';
import { createFileLogger } from './logger.js';
import { Supervisor, type InstanceSpec } from './runtime/supervisor.js';

export interface PlatformOptions {
  /** Overrides `gateway.port` (0 = any free port). */
  gatewayPort?: number;
  /** Overrides `controlPlane.port` (0 = any free port). */
  adminPort?: number;
  logger?: Logger;
}

export interface ServiceStartResult {
  service: string;
  ready: number;
  error?: string;
}

export interface Platform {
  gatewayUrl: string;
  adminUrl: string;
  adminToken: string;
  /** Tenant id → its demo API key, for tenants declared with `demoKey: true`. */
  demoKeys: Record<string, string>;
  services: ServiceStartResult[];
  stateDir: string;
  /** Drains in-flight requests, then stops every instance and closes the store. */
  stop(): Promise<void>;
  /** Kills every instance at once, synchronously: for `process.on('exit')` when a drain is no longer possible. */
  killNow(): void;
}

/** Written at start so the CLI finds a running platform: `<stateDir>/endpoint.json`. */
export const ENDPOINT_FILE = 'endpoint.json';

export async function startPlatform(loaded: LoadedConfig, options: PlatformOptions = {}): Promise<Platform> {
  const { config } = loaded;
  const stateDir = config.stateDir;
  const logsDir = path.join(stateDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logger = options.logger ?? createFileLogger(path.join(logsDir, 'mlaas.log'));

  const store = new SqliteStateStore({ stateDir });
  const applied = applyDeclaredState(store, config);
  logger.info({ applied }, 'declared state applied');
  const adminToken = ensureAdminToken(stateDir);
  const demoKeys: Record<string, string> = {};
  for (const [id, tenant] of Object.entries(config.tenants)) {
    if (tenant.demoKey) demoKeys[id] = ensureDemoKey(store, stateDir, id);
  }

  const supervisor = new Supervisor({ logsDir });
  const gateway = createGateway({
    operations: loaded.gateway.operations,
    keys: store.listKeys(),
    tenants: store.listTenants(),
    instances: { ready: (service) => supervisor.ready(service) },
    maxBodyBytes: config.gateway.maxBodyBytes,
    logger: logger.child({ component: 'gateway' }),
  });
  supervisor.onChange(() => {
    const live = new Set<string>();
    for (const key of supervisor.status()) for (const inst of key.instances) live.add(inst.id);
    gateway.retainInstances(live);
  });

  const admin = createAdminServer({
    store,
    token: adminToken,
    status: () => ({ services: supervisor.status(), inFlight: gateway.inFlight() }),
    onChange: (what) => {
      if (what === 'keys') gateway.setKeys(store.listKeys());
      if (what === 'tenants') {
        gateway.setTenants(store.listTenants());
        gateway.setKeys(store.listKeys());
      }
    },
    logger: logger.child({ component: 'admin' }),
  });

  const host = config.gateway.host ?? '127.0.0.1';
  const gatewayPort = await listen(gateway.server, options.gatewayPort ?? config.gateway.port, host);
  const adminPort = await listen(admin, options.adminPort ?? config.controlPlane.port, '127.0.0.1');
  const gatewayUrl = `http://${host}:${gatewayPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const endpointFile = path.join(stateDir, ENDPOINT_FILE);
  writeFileSync(endpointFile, JSON.stringify({ gatewayUrl, adminUrl, pid: process.pid }, null, 2) + '\n');

  const services = await Promise.all(
    Object.entries(config.services).map(async ([name, service]): Promise<ServiceStartResult> => {
      try {
        const ready = await supervisor.ensure(instanceSpec(name, service), service.scaling.minInstances);
        return { service: name, ready: ready.length };
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        logger.error({ service: name, error }, 'service failed to start');
        return { service: name, ready: 0, error };
      }
    }),
  );
  logger.info({ gatewayUrl, adminUrl, services }, 'mlaas up');

  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl,
    adminUrl,
    adminToken,
    demoKeys,
    services,
    stateDir,
    stop() {
      stopping ??= (async () => {
        await Promise.all([gateway.close(), closeServer(admin), supervisor.stopAll()]);
        store.close();
        rmSync(endpointFile, { force: true });
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

/** What the supervisor runs for a service declared in mlaas.yaml. */
function instanceSpec(name: string, service: ServiceConfig): InstanceSpec {
  for (const [model, ref] of Object.entries(service.models)) {
    if (!path.isAbsolute(ref)) {
      throw new Error(`models.${model}: store alias ${ref} needs the model store, which this version does not have yet`);
    }
  }
  return {
    key: name,
    service: name,
    cwd: service.source,
    command: service.command,
    env: service.env,
    models: service.models,
    readiness: { path: service.readiness.path, timeoutMs: service.readiness.timeoutSeconds * 1000 },
    drainTimeoutMs: service.drainTimeoutSeconds * 1000,
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

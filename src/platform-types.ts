/**
 * What `startPlatform` (platform.ts) takes and gives: its options, the
 * running platform's handle, and the reload outcomes it reports.
 */
import type { Logger } from 'pino';
import type { ReloadReport } from './control-plane/reload-report.js';
import type { ServiceStartResult } from './platform-start-results.js';
import type { InstanceUserChoice } from './runtime/instance-user.js';

export type { ServiceStartResult };

export interface PlatformOptions {
  /** Overrides `gateway.port` (0 = any free port). */
  gatewayPort?: number;
  /** Overrides `controlPlane.port` (0 = any free port). */
  adminPort?: number;
  logger?: Logger;
  /** Reload when mlaas.yaml, the gateway document or the flags file changes on disk (default true). */
  watch?: boolean;
  /** Told of every reload's outcome, whatever asked for it (file watch, SIGHUP, admin API). */
  onReload?: (outcome: ReloadOutcome) => void;
}

/** What asked for a reload. */
export type ReloadTrigger = 'file watch' | 'SIGHUP' | 'admin API';

export type ReloadOutcome = { trigger: ReloadTrigger; report: ReloadReport } | { trigger: ReloadTrigger; error: unknown };

export interface Platform {
  gatewayUrl: string;
  /** Gateway processes serving gatewayUrl (`gateway.workers`); 1: the gateway runs in this process. */
  gatewayWorkers: number;
  adminUrl: string;
  adminToken: string;
  /** Where Prometheus scrapes: `metrics.port`'s listener, else the admin port's `/metrics`; undefined when metrics are off. */
  metricsUrl: string | undefined;
  /** Tenant id → its demo API key, for tenants declared with `demoKey: true`. */
  demoKeys: Record<string, string>;
  services: ServiceStartResult[];
  /** Declared services no route of the gateway document reaches. */
  unrouted: string[];
  stateDir: string;
  /** Where the state store is: `<stateDir>/state.db`, or the `state:` PostgreSQL URL with its password redacted. */
  state: string;
  /** The user instances run as; undefined when it is the platform's own (they can then read what mlaas can). */
  instances: InstanceUserChoice;
  /**
   * Reads the gateway document and mlaas.yaml's tenants and flags again and
   * switches to them for the next request; an invalid file changes nothing
   * (config-reloader.ts). Logged, and told to `onReload`.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadReport>;
  /** Drains in-flight requests, then stops every instance and closes the store. */
  stop(): Promise<void>;
  /** Kills every instance at once, synchronously: for `process.on('exit')` when a drain is no longer possible. */
  killNow(): void;
}

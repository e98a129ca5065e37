/**
 * Live reload of what `mlaas up` serves from its files: the gateway document
 * and mlaas.yaml's tenants (their settings, attributes and quotas) and flags.
 * A reload reads and validates every file whole, with the same loader as the
 * start (so what a restart would refuse, a reload refuses, every error by
 * path, and the old configuration keeps serving); then it switches in one
 * synchronous step — the gateway's routes, the store's tenants and flags, the
 * gateway's tenancy — so the next request sees all of it and no request sees
 * part of it. A request already past routing finishes as it began.
 *
 * Only what changed in the files since it was last applied is applied, as
 * `mlaas up` applies mlaas.yaml (the store keeps each declaration last
 * applied): a tenant or flag changed through the admin API stays until its
 * declaration in the file changes. What a reload cannot apply
 * (services, ports, the store…) is listed in its report, never ignored.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig, type GatewayDocument, type LoadedConfig } from '../config/index.js';
import { MlaasError } from '../errors.js';
import { FlagSet } from '../flags/flag-set.js';
import { applyDeclaredTenancy, type TenancyApplied } from './apply-changes.js';
import { publishTenancy, type TenancyTarget } from './publish-tenancy.js';
import { notAppliedChanges, operationChanges, type ReloadReport } from './reload-report.js';
import type { StateStore } from '../state/state-store.js';

/** The gateway, as a reload switches it. */
export interface ReloadTarget extends TenancyTarget {
  /** Serves `document` from the next request on; throws, changing nothing, when it cannot. */
  setGatewayDocument(document: GatewayDocument): void;
}

export interface ConfigReloaderOptions {
  /** What `mlaas up` loaded and serves. */
  started: LoadedConfig;
  store: StateStore;
  target: ReloadTarget;
  /** Reads and validates the files (default: `loadConfig`, the start's own loader). */
  load?: (configPath: string) => Promise<LoadedConfig>;
}

const ACTOR = 'reload';

export class ConfigReloader {
  private started: LoadedConfig;
  private readonly store: StateStore;
  private readonly target: ReloadTarget;
  private readonly load: (configPath: string) => Promise<LoadedConfig>;
  private applied: LoadedConfig;
  private running: Promise<unknown> = Promise.resolve();
  private waiting: Promise<ReloadReport> | undefined;
  private closed = false;
  private readonly reloaded = new Set<string>();

  constructor(options: ConfigReloaderOptions) {
    this.started = options.started;
    this.applied = options.started;
    this.store = options.store;
    this.target = options.target;
    this.load = options.load ?? loadConfig;
  }

  /** The files what serves came from: mlaas.yaml, the gateway document, and a `flags: { file }`. */
  files(): string[] {
    const { config } = this.applied;
    const files = [config.configPath, config.gateway.document];
    const flags = config.flags as { file?: unknown } | undefined;
    if (typeof flags?.file === 'string') files.push(path.resolve(config.baseDir, flags.file));
    return files;
  }

  /**
   * Reads the files and switches to what they say. One reload at a time, each
   * reading the files when it begins; callers that ask while one waits to
   * begin share it, since it will read what they wrote.
   *
   * @throws MlaasError CONFIG_INVALID, CONFIG_NOT_FOUND or GATEWAY_DOC_INVALID with every error by path; nothing changed.
   */
  reload(): Promise<ReloadReport> {
    if (this.closed) return Promise.reject(new Error('the platform is stopping: no more reloads'));
    if (this.waiting !== undefined) return this.waiting;
    const next = this.running.then(() => {
      this.waiting = undefined;
      return this.reloadNow();
    });
    this.waiting = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Takes no more reloads and resolves once those already asked for are done: then the store may close. */
  close(): Promise<void> {
    this.closed = true;
    return this.running.then(() => undefined);
  }

  private async reloadNow(): Promise<ReloadReport> {
    let next: LoadedConfig;
    try {
      next = await this.load(this.applied.config.configPath);
    } catch (err) {
      if (!(err instanceof MlaasError)) throw err;
      throw new MlaasError(err.code, `${err.message}; nothing changed, the running configuration keeps serving`, {
        errors: err.errors ?? [],
        cause: err,
      });
    }
    return this.apply(next);
  }

  /**
   * The resources reloads switched since the last apply (`tenant/acme`,
   * `route/POST /v1/x`, `flags`): a plan names them, since the running
   * platform already matches the files there and it shows no change for them.
   */
  reloadedSinceApply(): string[] {
    return [...this.reloaded];
  }

  /** The gateway document served now: what a plan compares the files' with. */
  served(): GatewayDocument {
    return this.applied.gateway;
  }

  /**
   * What an apply made of the files: a reload compares with it from now on,
   * and no longer lists its services as waiting for a restart.
   */
  adopt(applied: LoadedConfig): void {
    this.applied = applied;
    this.reloaded.clear();
    this.started = { ...this.started, config: { ...this.started.config, services: applied.config.services } };
  }

  /** Serves `document` from the next request on (an apply's routes); a reload then compares with it. */
  serve(document: GatewayDocument): void {
    this.target.setGatewayDocument(document);
    this.applied = { ...this.applied, gateway: document };
  }

  /** Synchronous from the first switch to the last: no request runs in between. */
  private apply(next: LoadedConfig): ReloadReport {
    const applied = this.applied;
    const gatewayDocument = !isDeepStrictEqual(applied.gateway, next.gateway);
    const storedFlags = next.flags === undefined ? undefined : this.storedFlags();

    if (gatewayDocument) this.target.setGatewayDocument(next.gateway);
    let stored: TenancyApplied;
    try {
      stored = applyDeclaredTenancy(this.store, next, this.started.config.stateDir, ACTOR);
    } catch (err) {
      if (gatewayDocument) this.target.setGatewayDocument(applied.gateway);
      throw err;
    }
    if (stored.tenants.length > 0) publishTenancy(this.target, this.store, 'tenants');
    if (stored.flags) publishTenancy(this.target, this.store, 'flags');
    this.applied = next;

    const report: ReloadReport = {
      changed: gatewayDocument || stored.tenants.length > 0 || stored.flags,
      gatewayDocument,
      operations: operationChanges(applied.gateway, next.gateway),
      tenants: stored.tenants,
      flags: stored.flags && next.flags !== undefined ? next.flags.changedFlags(storedFlags ?? FlagSet.empty()) : [],
      demoKeys: stored.demoKeys,
      notApplied: notAppliedChanges(this.started, applied, next),
    };
    for (const id of report.tenants) this.reloaded.add(`tenant/${id}`);
    for (const op of [...report.operations.added, ...report.operations.changed, ...report.operations.removed]) this.reloaded.add(`route/${op}`);
    if (report.flags.length > 0) this.reloaded.add('flags');
    return report;
  }

  private storedFlags(): FlagSet {
    const document = this.store.getFlags();
    return document === undefined ? FlagSet.empty() : FlagSet.fromDocument(document, { source: 'state.db flags' });
  }
}

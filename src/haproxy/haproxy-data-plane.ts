/**
 * `gateway.dataplane: haproxy`: HAProxy on gateway.port, as Knative's
 * networking layers put Envoy in front — its config written once per gateway
 * document (haproxy-config.ts), then programmed live from the state store's
 * gateway snapshot (haproxy-desired-state.ts → haproxy-programmer.ts) on
 * every change the store reports, and when an admitted key expires. The
 * TypeScript gateway stays behind it on a loopback port for everything
 * HAProxy does not serve itself. HAProxy's own counts of requests in flight
 * per revision join the autoscaler's signal, read every POLL_MS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { readGatewaySnapshot, type GatewayStateSource } from '../api/gateway-snapshot.js';
import type { GatewayOperation } from '../config/index.js';
import type { BackendIdTokens } from '../gateway/backend-id-tokens.js';
import { FALLBACK_BACKEND, KEYS_USED_TABLE, renderHaproxyConfig, routeEntries, slotBackend, slotQueueTimeouts, type HaproxyConfigInput } from './haproxy-config.js';
import { desiredHaproxyState } from './haproxy-desired-state.js';
import { HaproxyProcess } from './haproxy-process.js';
import { HaproxyProgrammer } from './haproxy-programmer.js';
import { readStats } from './haproxy-stats.js';
import { MAP_FILES } from './native-maps.js';
import { planOperations, type OperationPlan } from './native-operations.js';

export interface HaproxyDataPlaneOptions extends Omit<HaproxyConfigInput, 'plan' | 'socket' | 'mapDir' | 'slotQueueMs'> {
  /** How many revision backends to create, shared among the native operations' deadlines. */
  slots: number;
  /** Where the config, the maps and the runtime socket live (`<stateDir>/haproxy`). */
  dir: string;
  operations: readonly GatewayOperation[];
  store: GatewayStateSource & { atomically<T>(fn: () => T): T };
  idTokens: BackendIdTokens;
  /** Told of each key HAProxy admitted since it last looked (every second), for the key's lastUsedAt. */
  onKeyUsed?: (keyId: string, atMs: number) => void;
  logger: Logger;
  now?: () => number;
}

const POLL_MS = 200;
/** Key use is looked at every this many polls. */
const KEY_POLLS = 5;
/** ID tokens are renewed five minutes before they expire; looking each minute keeps HAProxy's current. */
const TOKEN_CHECK_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class HaproxyDataPlane {
  /** The port HAProxy listens on: gateway.port. */
  readonly port: number;
  readonly #o: HaproxyDataPlaneOptions;
  readonly #process: HaproxyProcess;
  #programmer: HaproxyProgrammer;
  readonly #configFile: string;
  readonly #mapDir: string;
  #plan: OperationPlan;
  #tokens = new Map<string, string>();
  #refreshing: Promise<void> | undefined;
  #again = false;
  #pending = false;
  #stopped = false;
  #expiry: NodeJS.Timeout | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  #unsubscribe: (() => void) | undefined;
  /** Backend → [revision, stot] at the last poll; revision → requests since it got a slot; revision → in flight. */
  #lastTotals = new Map<string, [string, number]>();
  readonly #requests = new Map<string, number>();
  #inFlight = new Map<string, number>();
  #handedOn = 0;
  #polls = 0;
  /** Key id → its request count in the stick table at the last look. */
  #keyCounts = new Map<string, number>();

  private constructor(options: HaproxyDataPlaneOptions) {
    this.#o = options;
    this.port = options.port;
    this.#mapDir = path.join(options.dir, 'maps');
    this.#configFile = path.join(options.dir, 'haproxy.cfg');
    const socket = path.join(options.dir, 'admin.sock');
    this.#process = new HaproxyProcess({ runtimeSocket: socket, onStderr: (line) => options.logger.info({ haproxy: line }, 'haproxy') });
    this.#plan = planOperations(options.operations);
    this.#programmer = this.#newProgrammer();
  }

  #newProgrammer(): HaproxyProgrammer {
    return new HaproxyProgrammer({ api: this.#process.api, mapDir: this.#mapDir, slotQueueMs: slotQueueTimeouts(this.#plan, this.#o.slots), logger: this.#o.logger });
  }

  /** Writes the config, starts HAProxy and programs it from the store; resolves once it serves. */
  static async start(options: HaproxyDataPlaneOptions): Promise<HaproxyDataPlane> {
    const plane = new HaproxyDataPlane(options);
    try {
      await plane.#start();
    } catch (err) {
      await plane.stop();
      throw err;
    }
    return plane;
  }

  async #start(): Promise<void> {
    mkdirSync(this.#mapDir, { recursive: true, mode: 0o700 });
    this.#writeConfig();
    await this.#process.start(this.#configFile);
    this.#unsubscribe = this.#o.store.onChange(() => this.#soon());
    await this.refresh();
    this.#timers.push(setInterval(() => void this.#poll(), POLL_MS), setInterval(() => this.#soon(), TOKEN_CHECK_MS));
    for (const t of this.#timers) t.unref();
    this.#logPlan();
  }

  /** A new gateway document: the config is written again and HAProxy reloaded, then programmed again from scratch. */
  async setOperations(operations: readonly GatewayOperation[]): Promise<void> {
    this.#plan = planOperations(operations);
    this.#writeConfig();
    await this.#inRefresh(async () => {
      await this.#process.reload();
      // The new config's slots, all empty.
      this.#programmer = this.#newProgrammer();
      this.#tokens = new Map();
    });
    await this.refresh();
    this.#logPlan();
  }

  /**
   * Before these instances stop: HAProxy sends them nothing new, and this resolves once their requests finished.
   * The store as it is now is programmed first: the traffic that moved off their revision (in the store before
   * the drain) must leave HAProxy's split before the revision's backend entry goes, or a request picked for it
   * in between would find no backend and be handed on.
   */
  async drainInstances(ids: readonly string[], timeoutMs: number): Promise<void> {
    await this.refresh();
    await this.#programmer.drain(ids, timeoutMs);
  }

  /** Requests in flight or queued at the revision's instances through HAProxy, as last read. */
  revisionLoad(revision: string): number {
    return this.#inFlight.get(revision) ?? 0;
  }

  /** Requests HAProxy sent to the revision's instances so far. */
  revisionRequests(revision: string): number {
    return this.#requests.get(revision) ?? 0;
  }

  servedByRevision(): ReadonlyMap<string, number> {
    return this.#requests;
  }

  inFlightByRevision(): ReadonlyMap<string, number> {
    return this.#inFlight;
  }

  handedOn(): number {
    return this.#handedOn;
  }

  status(): { pid: number | undefined; native: number; delegated: OperationPlan['delegated'] } {
    return { pid: this.#process.pid, native: this.#plan.native.length, delegated: this.#plan.delegated };
  }

  /** Programs HAProxy from the store as it is now; resolves once HAProxy has it. */
  async refresh(): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          await this.#program();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    for (const t of this.#timers) clearInterval(t);
    if (this.#expiry !== undefined) clearTimeout(this.#expiry);
    await this.#refreshing?.catch(() => undefined);
    await this.#process.stop(10_000);
  }

  async #program(): Promise<void> {
    const now = (this.#o.now ?? Date.now)();
    const snapshot = this.#o.store.atomically(() => readGatewaySnapshot(this.#o.store));
    const desired = desiredHaproxyState(snapshot, now, (service) => this.#deadlinesOf(service));
    await this.#renewTokens();
    await this.#programmer.apply(desired, this.#tokens, (revision) => this.#queueMsOf(desired.revisions.get(revision)));
    if (this.#expiry !== undefined) clearTimeout(this.#expiry);
    this.#expiry = undefined;
    if (desired.nextChangeAt !== undefined) {
      this.#expiry = setTimeout(() => this.#soon(), Math.min(MAX_TIMER_MS, Math.max(0, desired.nextChangeAt - now)));
      this.#expiry.unref();
    }
  }

  /**
   * How long the revision's requests may queue for a busy instance: the deadline of its service's native
   * operations. Undefined — the TypeScript gateway serves it — when no native operation reaches the
   * service, or when they have several deadlines and its instances take a limited number of requests at
   * once, which only the TypeScript gateway queues each for its own deadline.
   */
  #queueMsOf(servers: { service: string; concurrency: number } | undefined): number | undefined {
    if (servers === undefined) return undefined;
    const deadlines = this.#deadlinesOf(servers.service);
    if (deadlines.length === 0 || (deadlines.length > 1 && servers.concurrency > 0)) return undefined;
    return deadlines[0];
  }

  /** The distinct deadlines of the native operations to `service`, least first. */
  #deadlinesOf(service: string): number[] {
    return [...new Set(this.#plan.native.filter((o) => o.service === service).map((o) => o.deadlineMs))].sort((a, b) => a - b);
  }

  /** Each native operation's ID token, as the TypeScript gateway mints it for the same audience. */
  async #renewTokens(): Promise<void> {
    const next = new Map<string, string>();
    for (const op of this.#plan.native) {
      if (op.audience === undefined) continue;
      const minted = this.#o.idTokens.authorization(op.audience);
      const authorization = minted instanceof Promise ? await minted : minted;
      next.set(String(op.index), authorization.replace(/^Bearer /, ''));
    }
    this.#tokens = next;
  }

  async #inRefresh(step: () => Promise<void>): Promise<void> {
    await this.#refreshing?.catch(() => undefined);
    await step();
  }

  /** Coalesces the store's change notices into one refresh per turn of the event loop. */
  #soon(): void {
    if (this.#pending || this.#stopped) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      this.refresh().catch((err: unknown) => this.#o.logger.error({ err }, 'could not program HAProxy: it keeps serving what it had'));
    });
  }

  async #poll(): Promise<void> {
    let rows;
    try {
      rows = await readStats(this.#process.api);
    } catch {
      return;
    }
    const inFlight = new Map<string, number>();
    const totals = new Map<string, [string, number]>();
    for (const row of rows) {
      if (row.server === 'BACKEND' && row.backend === FALLBACK_BACKEND) this.#handedOn = row.stot;
      if (row.server !== 'BACKEND' || !row.backend.startsWith('rev')) continue;
      const revision = this.#programmer.revisionOf(row.backend);
      if (revision === undefined) continue;
      inFlight.set(revision, (inFlight.get(revision) ?? 0) + row.scur + row.qcur);
      const last = this.#lastTotals.get(row.backend);
      if (last !== undefined && last[0] === revision && row.stot >= last[1]) this.#requests.set(revision, (this.#requests.get(revision) ?? 0) + row.stot - last[1]);
      totals.set(row.backend, [revision, row.stot]);
    }
    this.#inFlight = inFlight;
    this.#lastTotals = totals;
    if (++this.#polls % KEY_POLLS === 0 && this.#o.onKeyUsed !== undefined) await this.#readKeyUse(this.#o.onKeyUsed);
  }

  async #readKeyUse(onKeyUsed: (keyId: string, atMs: number) => void): Promise<void> {
    let table: string;
    try {
      [table = ''] = await this.#process.api.execute([`show table ${KEYS_USED_TABLE}`]);
    } catch {
      return;
    }
    const now = (this.#o.now ?? Date.now)();
    const counts = new Map<string, number>();
    for (const m of table.matchAll(/ key=([a-z2-7]{12}) .*?http_req_cnt=(\d+)/g)) {
      const id = m[1] as string;
      const count = Number(m[2]);
      counts.set(id, count);
      if (this.#keyCounts.get(id) !== count) onKeyUsed(id, now);
    }
    this.#keyCounts = counts;
  }

  #writeConfig(): void {
    const config = renderHaproxyConfig({
      ...this.#o,
      plan: this.#plan,
      slotQueueMs: slotQueueTimeouts(this.#plan, this.#o.slots),
      socket: path.join(this.#o.dir, 'admin.sock'),
      mapDir: this.#mapDir,
    });
    // The live maps start empty at each (re)start: the programmer fills them.
    for (const file of Object.values(MAP_FILES)) writeFileSync(path.join(this.#mapDir, file), '', { mode: 0o600 });
    writeFileSync(path.join(this.#mapDir, MAP_FILES.routes), [...routeEntries(this.#plan)].map(([k, v]) => `${k} ${v}\n`).join(''), { mode: 0o600 });
    writeFileSync(this.#configFile, config, { mode: 0o600 });
  }

  #logPlan(): void {
    this.#o.logger.info({ native: this.#plan.native.length, delegated: this.#plan.delegated, slots: this.#o.slots, first: slotBackend(0) }, 'HAProxy serves the gateway port');
  }
}

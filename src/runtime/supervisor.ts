/**
 * Keeps the wanted number of instances of each service (later: revision)
 * running as child processes: starts them on fresh ports, waits for
 * readiness, restarts crashed ones with exponential backoff, drains them on
 * scale-down and shutdown. The gateway reads `ready(key)` on every request;
 * that array is rebuilt only when the ready set changes. It tells its
 * runtime pool, if any, which kind of runtime each key's instances take.
 */
import { randomBytes } from 'node:crypto';
import { MlaasError } from '../errors.js';
import { freePort } from './free-port.js';
import { Instance, type InstanceExit, type InstanceState, type SpawnFn } from './instance.js';
import { instanceEnvironment } from './instance-environment.js';
import { poolLaunchOf, type PoolLaunch } from './pool-launch.js';
import type { RuntimePool } from './runtime-pool.js';
import { DEFAULT_RESTART_BACKOFF, restartDelay, type RestartBackoff } from './restart-delay.js';

/** What to run for one key; every instance of the key runs the same spec. */
export interface InstanceSpec {
  /** What instances are grouped by: the service name, or a revision name. */
  key: string;
  service: string;
  revision?: string;
  cwd: string;
  command: string[];
  env: Record<string, string>;
  /** Variables of the platform's environment the service asked for (`env.inherit`). */
  inheritEnv?: string[];
  /** Platform-only variables every instance of the key carries (the owner mark of orphan reaping). */
  marks?: Record<string, string>;
  /** Model name → absolute path of its local copy; becomes `MLAAS_MODEL_<NAME>`. */
  models: Record<string, string>;
  readiness: { path: string; timeoutMs: number };
  drainTimeoutMs: number;
}

/** Where the gateway may send a request. */
export interface ReadyInstance {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

export interface InstanceStatus {
  id: string;
  pid: number | undefined;
  port: number | undefined;
  /** `crashed` also while waiting for the restart at `restartAt`. */
  state: InstanceState;
  startedAt: number | undefined;
  readyAt: number | undefined;
  restarts: number;
  lastExit?: InstanceExit;
  restartAt?: number;
  logFile: string | undefined;
}

export interface KeyStatus {
  key: string;
  service: string;
  revision?: string;
  desired: number;
  ready: number;
  lastExit?: InstanceExit;
  instances: InstanceStatus[];
}

export interface SupervisorOptions {
  /** Instance logs go to `<logsDir>/<service>/<instanceId>.log`. */
  logsDir: string;
  host?: string;
  now?: () => number;
  /** The platform's environment: instances get PATH, HOME, LANG, TZ and what their `env.inherit` names from it, nothing else. */
  baseEnv?: NodeJS.ProcessEnv;
  /** The user instances run as when it is not the platform's own (see instance-user.ts). */
  user?: { uid: number; gid: number } | undefined;
  restartBackoff?: RestartBackoff;
  spawnFn?: SpawnFn;
  /** Pre-started runtimes cold starts take from; without it every instance is a fresh process. */
  pool?: RuntimePool;
  /**
   * Runs when a scale-down has taken an instance out of the ready set and
   * before its process gets SIGTERM: the gateway lets the requests it already
   * sent there finish and closes its connections, so none is cut.
   */
  beforeStop?: (instanceId: string) => Promise<void>;
  /**
   * An instance ended without being asked to: `consecutive` counts the
   * failures in a row of its slot (1 for a first crash), so a crash loop is
   * visible to whoever records the revision's health.
   */
  onFailure?: (key: string, exit: InstanceExit, consecutive: number) => void;
}

/** One place an instance of a key lives; it survives restarts of its process (a pod, not a container). */
interface Slot {
  readonly id: string;
  instance: Instance | undefined;
  ready: ReadyInstance | undefined;
  restarts: number;
  /** Consecutive failures, for the backoff. */
  attempt: number;
  lastExit: InstanceExit | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  restartAt: number | undefined;
}

interface Waiter {
  count: number;
  resolve: (ready: readonly ReadyInstance[]) => void;
  reject: (err: Error) => void;
}

interface KeyState {
  spec: InstanceSpec;
  desired: number;
  slots: Slot[];
  ready: readonly ReadyInstance[];
  lastExit: InstanceExit | undefined;
  waiters: Set<Waiter>;
}

const NO_INSTANCES: readonly ReadyInstance[] = Object.freeze([]);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * @example
 * const supervisor = new Supervisor({ logsDir: '.mlaas/logs' });
 * await supervisor.ensure({ key: 'spam', service: 'spam', cwd, command: ['node', 'server.js'], env: {}, models: {},
 *   readiness: { path: '/healthz', timeoutMs: 30_000 }, drainTimeoutMs: 10_000 }, 1);
 * const [target] = supervisor.ready('spam');
 * process.once('SIGTERM', () => void supervisor.stopAll());
 */
export class Supervisor {
  private readonly logsDir: string;
  private readonly host: string;
  private readonly now: () => number;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly backoff: Required<RestartBackoff>;
  private readonly spawnFn: SpawnFn | undefined;
  private readonly pool: RuntimePool | undefined;
  private readonly user: { uid: number; gid: number } | undefined;
  private readonly beforeStop: ((instanceId: string) => Promise<void>) | undefined;
  private readonly onFailure: ((key: string, exit: InstanceExit, consecutive: number) => void) | undefined;
  private readonly keys = new Map<string, KeyState>();
  private readonly listeners = new Set<(key: string) => void>();
  /** Every instance whose process may still run, whichever key it belonged to. */
  private readonly live = new Set<Instance>();

  constructor(options: SupervisorOptions) {
    this.logsDir = options.logsDir;
    this.host = options.host ?? '127.0.0.1';
    this.now = options.now ?? (() => Date.now());
    this.baseEnv = options.baseEnv ?? process.env;
    this.backoff = { ...DEFAULT_RESTART_BACKOFF, ...options.restartBackoff };
    this.spawnFn = options.spawnFn;
    this.pool = options.pool;
    this.user = options.user;
    this.beforeStop = options.beforeStop;
    this.onFailure = options.onFailure;
  }

  /**
   * Makes `count` instances of `spec` run. Resolves with the ready instances
   * once `count` are ready; rejects (RUNTIME_START_FAILED) with the reason
   * when an instance of this key fails to start meanwhile. Failed instances
   * are retried in the background with backoff while `count` stays wanted.
   * A changed spec applies to instances started from now on.
   */
  ensure(spec: InstanceSpec, count: number): Promise<readonly ReadyInstance[]> {
    const state = this.setDesired(spec, count);
    const promise = new Promise<readonly ReadyInstance[]>((resolve, reject) => {
      state.waiters.add({ count, resolve, reject });
    });
    this.settleWaiters(state);
    return promise;
  }

  /**
   * Like `ensure` without waiting: for a caller that sets counts on a tick
   * (the autoscaler) and must not be left holding a rejected promise.
   */
  scale(spec: InstanceSpec, count: number): void {
    this.setDesired(spec, count);
  }

  /** The instances of `key` that take traffic now. The same array object until the set changes; never mutate it. */
  ready(key: string): readonly ReadyInstance[] {
    return this.keys.get(key)?.ready ?? NO_INSTANCES;
  }

  /** Calls `listener(key)` whenever the ready set of a key changes. Returns the unsubscribe function. */
  onChange(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): KeyStatus[] {
    return [...this.keys.entries()].map(([key, state]) => {
      const status: KeyStatus = {
        key,
        service: state.spec.service,
        desired: state.desired,
        ready: state.ready.length,
        instances: state.slots.map(slotStatus),
      };
      if (state.spec.revision !== undefined) status.revision = state.spec.revision;
      if (state.lastExit !== undefined) status.lastExit = state.lastExit;
      return status;
    });
  }

  /** Drains and stops every instance of `key` and forgets the key. Resolves when its processes are gone. */
  async stopKey(key: string, options: { drainTimeoutMs?: number } = {}): Promise<void> {
    const state = this.keys.get(key);
    if (state === undefined) return;
    const slots = this.forget(state);
    await Promise.all(slots.map((slot) => slot.instance?.stop(options)));
  }

  /**
   * Drains and stops every instance; resolves when no child process of the
   * supervisor is left. The composition root calls this on SIGINT/SIGTERM.
   */
  async stopAll(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    await Promise.all([...this.keys.keys()].map((key) => this.stopKey(key, options)));
    // Instances still draining from an earlier scale-down.
    await Promise.all([...this.live].map((instance) => instance.stop(options)));
    await this.pool?.stopAll();
  }

  /**
   * SIGKILLs every instance at once, synchronously, and forgets all keys: the
   * last resort for a composition root's `process.on('exit')`, where nothing
   * asynchronous runs and instances (each in its own process group) would
   * otherwise outlive mlaas.
   */
  killAll(): void {
    for (const state of [...this.keys.values()]) this.forget(state);
    for (const instance of this.live) instance.kill();
    this.pool?.killAll();
  }

  /** Takes a key out of the supervisor: no more restarts, its waiters rejected, its ready set emptied. */
  private forget(state: KeyState): Slot[] {
    const key = state.spec.key;
    this.keys.delete(key);
    this.pool?.use(key, undefined);
    state.desired = 0;
    for (const waiter of state.waiters) {
      waiter.reject(new MlaasError('RUNTIME_STOPPED', `${key}: stopped before ${waiter.count} instance(s) were ready`));
    }
    state.waiters.clear();
    const slots = state.slots;
    state.slots = [];
    for (const slot of slots) this.retire(slot);
    this.publishReady(state);
    return slots;
  }

  private setDesired(spec: InstanceSpec, count: number): KeyState {
    checkSpec(spec, count);
    let state = this.keys.get(spec.key);
    // The autoscaler passes the same spec object tick after tick: the pool hears of a key's runtime once per spec.
    if (this.pool !== undefined && state?.spec !== spec) this.pool.use(spec.key, this.poolLaunchOf(spec));
    if (state === undefined) {
      state = { spec, desired: count, slots: [], ready: NO_INSTANCES, lastExit: undefined, waiters: new Set() };
      this.keys.set(spec.key, state);
    }
    state.spec = spec;
    state.desired = count;
    this.reconcile(state);
    this.settleWaiters(state);
    return state;
  }

  private reconcile(state: KeyState): void {
    while (state.slots.length < state.desired) {
      const slot: Slot = {
        id: `${state.spec.key}-${randomBytes(3).toString('hex')}`,
        instance: undefined,
        ready: undefined,
        restarts: 0,
        attempt: 0,
        lastExit: undefined,
        restartTimer: undefined,
        restartAt: undefined,
      };
      state.slots.push(slot);
      void this.launch(state, slot);
    }
    if (state.slots.length > state.desired) {
      // Give up the least useful first: waiting for a restart, then starting, then the newest ready.
      const order = [...state.slots].sort((a, b) => usefulness(a) - usefulness(b));
      const victims = new Set(order.slice(0, state.slots.length - state.desired));
      state.slots = state.slots.filter((slot) => !victims.has(slot));
      for (const slot of victims) this.retire(slot);
      this.publishReady(state);
      for (const slot of victims) {
        const instance = slot.instance;
        if (instance === undefined) continue;
        void (async () => {
          await this.beforeStop?.(slot.id).catch(() => undefined);
          await instance.stop();
        })();
      }
    }
  }

  /** The kind of pooled runtime instances of `spec` would take (their environment but for the port and id), if any. */
  private poolLaunchOf(spec: InstanceSpec): PoolLaunch | undefined {
    const env = instanceEnvironment({
      base: this.baseEnv,
      inherit: spec.inheritEnv ?? [],
      env: spec.env,
      port: 0,
      service: spec.service,
      revision: spec.revision,
      instanceId: spec.key,
      models: spec.models,
      drainTimeoutMs: spec.drainTimeoutMs,
      marks: spec.marks,
    });
    return poolLaunchOf(spec.command, spec.cwd, env, spec.marks);
  }

  private async launch(state: KeyState, slot: Slot): Promise<void> {
    let port: number;
    try {
      port = await freePort(this.host);
    } catch (err) {
      const exit: InstanceExit = { code: null, signal: null, reason: `no free port: ${String(err)}`, at: this.now() };
      if (this.owns(state, slot)) this.failed(state, slot, exit, undefined);
      return;
    }
    if (!this.owns(state, slot)) return;
    const { spec } = state;
    const instance = new Instance({
      id: slot.id,
      service: spec.service,
      revision: spec.revision,
      host: this.host,
      port,
      cwd: spec.cwd,
      command: spec.command,
      env: spec.env,
      inheritEnv: spec.inheritEnv,
      marks: spec.marks,
      models: spec.models,
      baseEnv: this.baseEnv,
      user: this.user,
      logsDir: this.logsDir,
      readiness: spec.readiness,
      drainTimeoutMs: spec.drainTimeoutMs,
      now: this.now,
      spawnFn: this.spawnFn,
      pool: this.pool,
    });
    slot.instance = instance;
    this.live.add(instance);
    void instance.exited.then((exit) => {
      this.live.delete(instance);
      this.onExit(state, slot, instance, exit);
    });
    try {
      await instance.start();
    } catch {
      // Every failed start ends in an exit; onExit records it, tells the waiters and restarts.
      return;
    }
    if (slot.instance !== instance || !this.owns(state, slot)) return;
    slot.ready = Object.freeze({ id: slot.id, host: this.host, port });
    this.publishReady(state);
    this.settleWaiters(state);
  }

  private onExit(state: KeyState, slot: Slot, instance: Instance, exit: InstanceExit): void {
    if (slot.instance !== instance) return;
    slot.instance = undefined;
    if (slot.ready !== undefined) {
      slot.ready = undefined;
      this.publishReady(state);
    }
    // An exit the supervisor asked for (scale-down, stop) is no failure.
    if (this.owns(state, slot)) this.failed(state, slot, exit, instance.readyAt);
  }

  /** Records an unexpected end of a slot's process and schedules its restart after the backoff. */
  private failed(state: KeyState, slot: Slot, exit: InstanceExit, readyAt: number | undefined): void {
    slot.lastExit = exit;
    state.lastExit = exit;
    if (readyAt === undefined) {
      const error = new MlaasError('RUNTIME_START_FAILED', `${state.spec.key}: instance ${slot.id} ${exit.reason}`);
      for (const waiter of state.waiters) waiter.reject(error);
      state.waiters.clear();
    } else if (exit.at - readyAt >= this.backoff.resetAfterMs) {
      slot.attempt = 0;
    }
    const delay = restartDelay(slot.attempt, this.backoff);
    slot.attempt += 1;
    this.onFailure?.(state.spec.key, exit, slot.attempt);
    slot.restartAt = this.now() + delay;
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      slot.restartAt = undefined;
      slot.restarts += 1;
      void this.launch(state, slot);
    }, delay);
  }

  /** Takes a slot out of service: no restart, no traffic. Its process, if any, is the caller's to stop. */
  private retire(slot: Slot): void {
    clearTimeout(slot.restartTimer);
    slot.restartTimer = undefined;
    slot.restartAt = undefined;
    slot.ready = undefined;
  }

  private owns(state: KeyState, slot: Slot): boolean {
    return this.keys.get(state.spec.key) === state && state.slots.includes(slot);
  }

  private publishReady(state: KeyState): void {
    const next = state.slots.flatMap((slot) => (slot.ready === undefined ? [] : [slot.ready]));
    const previous = state.ready;
    if (next.length === previous.length && next.every((r, i) => r === previous[i])) return;
    state.ready = next.length === 0 ? NO_INSTANCES : Object.freeze(next);
    for (const listener of this.listeners) listener(state.spec.key);
  }

  private settleWaiters(state: KeyState): void {
    for (const waiter of state.waiters) {
      if (state.ready.length >= Math.min(waiter.count, state.desired)) {
        state.waiters.delete(waiter);
        waiter.resolve(state.ready);
      }
    }
  }
}

function usefulness(slot: Slot): number {
  if (slot.instance === undefined) return 0;
  if (slot.ready === undefined) return 1;
  return 2 + 1 / (1 + (slot.instance.readyAt ?? 0));
}

function slotStatus(slot: Slot): InstanceStatus {
  const instance = slot.instance;
  const status: InstanceStatus = {
    id: slot.id,
    pid: instance?.pid,
    port: instance?.port,
    state: instance?.state ?? 'crashed',
    startedAt: instance?.startedAt,
    readyAt: instance?.readyAt,
    restarts: slot.restarts,
    logFile: instance?.logFile,
  };
  if (slot.lastExit !== undefined) status.lastExit = slot.lastExit;
  if (slot.restartAt !== undefined) status.restartAt = slot.restartAt;
  return status;
}

function checkSpec(spec: InstanceSpec, count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count: must be an integer ≥ 0, got ${count}`);
  // Both end up in file names (the instance's log path).
  if (!NAME.test(spec.key)) throw new RangeError(`key: must match ${NAME}, got ${JSON.stringify(spec.key)}`);
  if (!NAME.test(spec.service)) throw new RangeError(`service: must match ${NAME}, got ${JSON.stringify(spec.service)}`);
  if (spec.command.length === 0) throw new RangeError(`${spec.key}.command: must name a program, got []`);
}

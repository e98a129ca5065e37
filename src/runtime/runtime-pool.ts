/**
 * Pre-started runtimes, Knative-activator / Lambda-SnapStart style: for each
 * kind of runtime the supervisor's revisions use (pool-launch.ts: a Node
 * binary with the modules preloaded for its scripts, or a Python interpreter
 * — a venv's — with the web framework imported; the start-time variables),
 * `size` processes of node-pool-host.ts or python-pool-host.py wait with
 * those modules loaded, as the instances' user, in their own process group.
 * A cold start takes one, hands it the instance's cwd, environment and argv,
 * and skips the runtime's start-up and the loading of those modules; the
 * pool starts a replacement in the background. A pool whose processes keep
 * dying before they are taken stops refilling, and its instances start as before.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import type { PoolLaunch, RuntimeKind } from './pool-launch.js';
import { encodeHandOver, type HandOver } from './pool-hand-over.js';

export type SpawnFn = typeof nodeSpawn;

/** The hosts beside this module: dist/src/runtime/node-pool-host.js, and python-pool-host.py, which the build copies there. */
const DEFAULT_HOSTS: Record<RuntimeKind, string> = {
  node: fileURLToPath(new URL('./node-pool-host.js', import.meta.url)),
  python: fileURLToPath(new URL('./python-pool-host.py', import.meta.url)),
};
/** A pool giving up after this many processes in a row died before being taken. */
const MAX_FAILURES = 3;

export interface RuntimePoolOptions {
  /** Processes kept waiting per runtime kind in use; 0 disables the pool. */
  size: number;
  /** The user pooled processes run as: the instances' (see instance-user.ts). */
  user?: { uid: number; gid: number } | undefined;
  /** How long after a runtime kind is first used, or a process taken, the pool starts one: not while a start is under way. */
  refillDelayMs?: number;
  /** The host program per runtime kind; tests pass the built Node one. */
  hostScripts?: Partial<Record<RuntimeKind, string>>;
  spawnFn?: SpawnFn;
  /** A pooled process died before it was taken: why, for the platform's log. */
  onFailure?: (reason: string) => void;
}

export interface PoolStatus {
  runtime: RuntimeKind;
  /** The runtime kind's binary and what it loads ahead (files for Node, modules for Python), for operators. */
  executable: string;
  preloads: string[];
  waiting: number;
  warm: number;
  /** Of the waiting processes. */
  pids: number[];
  /** True once processes kept dying before being taken: instances of this kind start fresh. */
  failed: boolean;
}

interface Pooled {
  child: ChildProcess;
  control: Socket;
  warm: boolean;
}

interface Pool {
  launch: PoolLaunch;
  processes: Pooled[];
  failures: number;
  refillTimer: NodeJS.Timeout | undefined;
}

export class RuntimePool {
  readonly #o: Required<Omit<RuntimePoolOptions, 'user' | 'onFailure' | 'hostScripts'>> & Pick<RuntimePoolOptions, 'user' | 'onFailure'>;
  readonly #hosts: Record<RuntimeKind, string>;
  readonly #pools = new Map<string, Pool>();
  /** Which pool each of the supervisor's keys would take from. */
  readonly #users = new Map<string, string>();
  /** Exits of processes killed and not yet seen gone. */
  readonly #ending = new Set<Promise<void>>();

  constructor(options: RuntimePoolOptions) {
    this.#o = { refillDelayMs: 1_000, spawnFn: nodeSpawn, ...options };
    this.#hosts = { ...DEFAULT_HOSTS, ...options.hostScripts };
  }

  /** `owner` (a supervisor key) now starts instances as `launch` says, or, with undefined, none: pools nobody uses go. */
  use(owner: string, launch: PoolLaunch | undefined): void {
    if (this.#o.size === 0) return;
    const before = this.#users.get(owner);
    if (launch === undefined) this.#users.delete(owner);
    else this.#users.set(owner, launch.key);
    if (launch !== undefined && !this.#pools.has(launch.key)) {
      const pool: Pool = { launch, processes: [], failures: 0, refillTimer: undefined };
      this.#pools.set(launch.key, pool);
      this.#scheduleRefill(pool);
    }
    if (before !== undefined && before !== launch?.key && ![...this.#users.values()].includes(before)) this.#close(before);
  }

  /**
   * A waiting process of `launch`'s kind, already handed `handOver` (it is
   * becoming the instance now), or undefined when none waits. Warm ones
   * first; one still loading its modules beats a fresh start too.
   */
  take(launch: PoolLaunch, handOver: HandOver): ChildProcess | undefined {
    const pool = this.#pools.get(launch.key);
    if (pool === undefined) return undefined;
    const i = Math.max(0, pool.processes.findIndex((p) => p.warm));
    const pooled = pool.processes[i];
    if (pooled === undefined || pooled.child.exitCode !== null || pooled.child.signalCode !== null) return undefined;
    pool.processes.splice(i, 1);
    pooled.child.removeAllListeners('exit');
    pooled.control.removeAllListeners('data');
    pooled.control.end(encodeHandOver(handOver));
    this.#scheduleRefill(pool);
    return pooled.child;
  }

  status(): PoolStatus[] {
    return [...this.#pools.values()].map((pool) => ({
      runtime: pool.launch.runtime,
      executable: pool.launch.executable,
      preloads: pool.launch.preloads,
      waiting: pool.processes.length,
      warm: pool.processes.filter((p) => p.warm).length,
      pids: pool.processes.flatMap((p) => (p.child.pid === undefined ? [] : [p.child.pid])),
      failed: pool.failures >= MAX_FAILURES,
    }));
  }

  /** Ends every waiting process and forgets every pool; resolves when they are gone, those of pools closed before too. */
  async stopAll(): Promise<void> {
    this.killAll();
    await Promise.all(this.#ending);
  }

  /** SIGKILLs every waiting process now, synchronously (a composition root's `exit` handler). */
  killAll(): void {
    for (const key of [...this.#pools.keys()]) this.#close(key);
    this.#users.clear();
  }

  #close(key: string): void {
    const pool = this.#pools.get(key);
    if (pool === undefined) return;
    this.#pools.delete(key);
    clearTimeout(pool.refillTimer);
    for (const { child } of pool.processes.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.#ending.add(ended);
      void ended.then(() => this.#ending.delete(ended));
      killGroup(child);
    }
  }

  #scheduleRefill(pool: Pool): void {
    if (pool.refillTimer !== undefined) return;
    pool.refillTimer = setTimeout(() => {
      pool.refillTimer = undefined;
      this.#refill(pool);
    }, this.#o.refillDelayMs);
    pool.refillTimer.unref();
  }

  #refill(pool: Pool): void {
    while (this.#pools.get(pool.launch.key) === pool && pool.failures < MAX_FAILURES && pool.processes.length < this.#o.size) {
      this.#spawn(pool);
    }
  }

  #spawn(pool: Pool): void {
    const { launch } = pool;
    const host = this.#hosts[launch.runtime];
    // The Python host sets sys.orig_argv from the program as written: its own argv0 is the venv's path.
    const args = launch.runtime === 'python' ? [host, launch.program, ...launch.preloads] : [host, ...launch.preloads];
    const child = this.#o.spawnFn(launch.executable, args, {
      argv0: launch.argv0,
      // Not the platform's: the instances' user may not enter it. The hand-over sets the instance's.
      cwd: '/',
      env: launch.env,
      // fd 3 carries the hand-over; stdout and stderr stay unread until an instance takes them into its log.
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      // As an instance: its own process group, so a stop reaches what it forks.
      detached: true,
      ...(this.#o.user === undefined ? {} : { uid: this.#o.user.uid, gid: this.#o.user.gid }),
    });
    const control = child.stdio[3] as Socket;
    const pooled: Pooled = { child, control, warm: false };
    pool.processes.push(pooled);
    control.on('error', () => undefined);
    control.setEncoding('utf8');
    control.on('data', (chunk: string) => {
      if (chunk.includes('warm')) {
        pooled.warm = true;
        pool.failures = 0;
      }
    });
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      const i = pool.processes.indexOf(pooled);
      if (i < 0) return;
      pool.processes.splice(i, 1);
      pool.failures += 1;
      void stderrOf(child).then((stderr) => {
        const how = signal !== null ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
        const given = pool.failures >= MAX_FAILURES ? `; gave up after ${MAX_FAILURES} in a row, its instances start without the pool` : '';
        this.#o.onFailure?.(`a pooled ${launch.program} process ${how} before an instance took it${stderr === '' ? '' : `: ${stderr}`}${given}`);
      });
      if (this.#pools.get(launch.key) === pool) this.#scheduleRefill(pool);
    });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}

/** What a dead pooled process left in its stderr pipe (its last 300 characters). */
function stderrOf(child: ChildProcess): Promise<string> {
  const stream = child.stderr;
  // Destroyed already: the process wrote nothing (a paused stream holding data is not destroyed before it is read), and 'close' has been and gone.
  if (stream === null || stream.destroyed) return Promise.resolve('');
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.once('close', () => resolve(text.trim().slice(-300)));
  });
}

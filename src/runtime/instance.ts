/**
 * One running process of a service (or revision): spawned with the service
 * contract's environment, its output appended to a log file as JSON lines (instance-output.ts), probed until
 * ready, and drained on stop (SIGTERM, then SIGKILL after the drain timeout).
 * With a runtime pool, the process may be a pre-started one handed this
 * instance's cwd, environment and argv (runtime-pool.ts); the rest is the same.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MlaasError } from '../errors.js';
import { instanceEnvironment } from './instance-environment.js';
import { InstanceOutput } from './instance-output.js';
import { poolLaunchOf } from './pool-launch.js';
import type { RuntimePool } from './runtime-pool.js';
import { formatDuration, waitUntilReady } from './readiness-probe.js';

export type InstanceState = 'starting' | 'ready' | 'draining' | 'stopped' | 'crashed';

export type SpawnFn = typeof nodeSpawn;

/** How and why a process ended. */
export interface InstanceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** One line for operators, e.g. `exited with code 1 before becoming ready`. */
  reason: string;
  /** `now()` when the exit was seen. */
  at: number;
}

export interface InstanceOptions {
  id: string;
  service: string;
  revision?: string | undefined;
  host: string;
  port: number;
  cwd: string;
  /** argv; `command[0]` is looked up on PATH. */
  command: readonly string[];
  /** The service's own environment. */
  env: Readonly<Record<string, string>>;
  /** Names of `baseEnv` variables the service asked for (`env.inherit`); only these and PATH, HOME, LANG, TZ pass. */
  inheritEnv?: readonly string[];
  /** Platform-only variables (the owner mark of orphan reaping). */
  marks?: Readonly<Record<string, string>>;
  /** Model name → absolute path of its local copy. */
  models: Readonly<Record<string, string>>;
  /** The platform's environment, which inherited variables are picked from. */
  baseEnv: NodeJS.ProcessEnv;
  /** The user the process runs as (uid and gid), when it is not the platform's own. */
  user?: { uid: number; gid: number };
  logsDir: string;
  readiness: { path: string; timeoutMs: number };
  drainTimeoutMs: number;
  now: () => number;
  spawnFn?: SpawnFn;
  /** Pre-started runtimes: the process comes from there when one of its kind waits (runtime-pool.ts). */
  pool?: RuntimePool | undefined;
}

/**
 * @example
 * const instance = new Instance({ id: 'spam-1', service: 'spam', host, port, cwd, command: ['node', 'server.js'], ... });
 * await instance.start();           // rejects with RUNTIME_START_FAILED and the reason
 * await instance.stop();            // SIGTERM, SIGKILL after drainTimeoutMs
 */
/** How long an exit waits for the rest of the process's stderr (its pipes close just after it exits). */
const STDERR_WAIT_MS = 250;

export class Instance {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly logFile: string;
  /** Resolves once the process is gone, whatever the cause. */
  readonly exited: Promise<InstanceExit>;
  private currentState: InstanceState = 'starting';
  private childPid: number | undefined;
  private startTime: number | undefined;
  private readyTime: number | undefined;
  private exitInfo: InstanceExit | undefined;

  private readonly options: InstanceOptions;
  private child: ChildProcess | undefined;
  private output: InstanceOutput | undefined;
  private readonly probeAbort = new AbortController();
  private stopRequested = false;
  private stopping: Promise<InstanceExit> | undefined;
  /** Set when the supervisor ends the process for a reason the exit status would hide (readiness timeout). */
  private overrideReason: string | undefined;
  private resolveExited!: (exit: InstanceExit) => void;

  get state(): InstanceState {
    return this.currentState;
  }
  get pid(): number | undefined {
    return this.childPid;
  }
  get startedAt(): number | undefined {
    return this.startTime;
  }
  get readyAt(): number | undefined {
    return this.readyTime;
  }
  get exit(): InstanceExit | undefined {
    return this.exitInfo;
  }

  constructor(options: InstanceOptions) {
    this.options = options;
    this.id = options.id;
    this.host = options.host;
    this.port = options.port;
    this.logFile = path.join(options.logsDir, options.service, `${options.id}.log`);
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  /** Spawns the process and waits until it is ready. */
  async start(): Promise<void> {
    if (this.child !== undefined || this.exitInfo !== undefined) {
      throw new Error(`instance ${this.id} was already started`);
    }
    try {
      this.spawnChild();
    } catch (err) {
      // No process came to be (log directory unwritable, empty command): still an exit, so waiters learn why.
      this.recordExit(null, null, `could not start: ${err instanceof Error ? err.message : String(err)}`);
      throw this.startError((await this.exited).reason);
    }
    try {
      await waitUntilReady({
        host: this.host,
        port: this.port,
        path: this.options.readiness.path,
        timeoutMs: this.options.readiness.timeoutMs,
        signal: this.probeAbort.signal,
        isAlive: () => this.exitInfo === undefined,
      });
    } catch (err) {
      if (this.exitInfo === undefined && !this.stopRequested) {
        // Alive but not ready in time: the probe's reason says more than "killed by SIGKILL".
        this.overrideReason = err instanceof Error ? err.message : String(err);
        this.signalGroup('SIGKILL');
      }
      throw this.startError((await this.exited).reason);
    }
    const exit = this.exit;
    if (exit !== undefined) throw this.startError(exit.reason);
    this.currentState = 'ready';
    this.readyTime = this.options.now();
  }

  /**
   * Drains: SIGTERM so the service finishes its in-flight requests, SIGKILL
   * if it is still there after the drain timeout. Resolves when it is gone.
   */
  stop(options: { drainTimeoutMs?: number } = {}): Promise<InstanceExit> {
    // A second SIGTERM means "quit now" to many servers (uvicorn among them), so a stop is sent once.
    this.stopping ??= this.drain(options.drainTimeoutMs ?? this.options.drainTimeoutMs);
    return this.stopping;
  }

  private async drain(drainTimeoutMs: number): Promise<InstanceExit> {
    if (this.exitInfo !== undefined) return this.exitInfo;
    this.stopRequested = true;
    this.currentState = 'draining';
    this.probeAbort.abort(new Error('stopped before becoming ready'));
    if (this.child === undefined) {
      this.recordExit(null, null, 'stopped before it was started');
      return this.exited;
    }
    this.signalGroup('SIGTERM');
    const killTimer = setTimeout(() => {
      this.overrideReason = `still running ${formatDuration(drainTimeoutMs)} after SIGTERM, killed by SIGKILL`;
      this.signalGroup('SIGKILL');
    }, drainTimeoutMs);
    const exit = await this.exited;
    clearTimeout(killTimer);
    return exit;
  }

  /** SIGKILLs the process group now, without waiting; `exited` still resolves when the exit is seen. */
  kill(): void {
    this.stopRequested = true;
    this.signalGroup('SIGKILL');
  }

  private spawnChild(): void {
    const { options } = this;
    const [file, ...args] = options.command;
    if (file === undefined) throw new Error(`instance ${this.id}: command is empty`);
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true, mode: 0o700 });
    const output = new InstanceOutput(this.logFile, { service: options.service, revision: options.revision, instance: this.id });
    this.output = output;
    const env = instanceEnvironment({
      base: options.baseEnv,
      inherit: options.inheritEnv ?? [],
      env: options.env,
      port: options.port,
      service: options.service,
      revision: options.revision,
      instanceId: this.id,
      models: options.models,
      drainTimeoutMs: options.drainTimeoutMs,
      marks: options.marks,
    });
    const launch = options.pool === undefined ? undefined : poolLaunchOf(options.command, options.cwd, env, options.marks);
    const pooled = launch === undefined ? undefined : options.pool?.take(launch, { cwd: options.cwd, env, argv: launch.argv });
    const from = pooled === undefined ? '' : ' (a pre-started runtime from the pool)';
    output.note(`starting ${this.id} on ${this.host}:${this.port}: ${options.command.join(' ')}${from}`);
    // detached: the instance leads its own process group, so stop() reaches
    // the children it forks too, and a Ctrl-C in the terminal reaches only
    // mlaas, which then drains instances in order instead of all dying at once.
    // A pooled process was started so too, and as the same user.
    this.child =
      pooled ??
      (options.spawnFn ?? nodeSpawn)(file, args, {
        cwd: options.cwd,
        env,
        // Pipes, not the log file itself: each line becomes a JSON line naming the instance and the stream.
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid }),
      });
    if (this.child.stdout !== null) output.attach(this.child.stdout, 'stdout');
    if (this.child.stderr !== null) output.attach(this.child.stderr, 'stderr');
    this.startTime = options.now();
    this.childPid = this.child.pid;
    this.child.once('exit', (code, signal) => void this.onChildExit(code, signal));
    this.child.on('error', (err) => {
      // Only a failed spawn leaves no pid; other errors come with an exit event.
      if (this.childPid === undefined) {
        this.recordExit(null, null, `could not start ${JSON.stringify(file)}: ${err.message}`);
      }
    });
  }

  private async onChildExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    // Whatever the leader left behind in its group goes with it.
    this.signalGroup('SIGKILL');
    const how = signal !== null ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
    const beforeReady = this.currentState === 'starting' && !this.stopRequested;
    let reason = this.overrideReason ?? (beforeReady ? `${how} before becoming ready` : how);
    if (!this.stopRequested && this.output !== undefined) {
      // A crash says why in the process's own words: its last stderr lines, and where the rest is.
      const tail = await this.output.stderrTail(STDERR_WAIT_MS);
      reason += tail.length > 0 ? `; last stderr: ${tail.join(' / ')} (log: ${this.logFile})` : ` (log: ${this.logFile})`;
    }
    this.recordExit(code, signal, reason);
  }

  private recordExit(code: number | null, signal: NodeJS.Signals | null, reason: string): void {
    if (this.exit !== undefined) return;
    this.currentState = this.stopRequested ? 'stopped' : 'crashed';
    const exit: InstanceExit = { code, signal, reason, at: this.options.now() };
    this.exitInfo = exit;
    // After the process's last output; best effort: the logs directory may be gone (a test's temp dir) by then.
    const logged = this.output?.end(`${this.id} ${this.currentState}: ${reason}`).catch(() => undefined);
    // Whoever waits on the start or the exit hears of it once the log holds the process's last words
    // (a `mlaas logs` right after a failed start shows them), or STDERR_WAIT_MS later if the pipes stay open.
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, STDERR_WAIT_MS)));
    void Promise.race([logged, waited]).then(() => {
      clearTimeout(timer);
      this.probeAbort.abort(new Error(reason));
      this.resolveExited(exit);
    });
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.childPid === undefined) return;
    try {
      process.kill(-this.childPid, signal);
    } catch {
      // ESRCH: the group is already gone, which is what we wanted.
    }
  }

  private startError(reason: string): MlaasError {
    const detail = `instance ${this.id} of ${this.options.service}: ${reason}`;
    return new MlaasError(this.stopRequested ? 'RUNTIME_STOPPED' : 'RUNTIME_START_FAILED', detail);
  }
}

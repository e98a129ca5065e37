/**
 * Runs HAProxy as a child process in master-worker mode, in the foreground
 * (`-W -db`): started once with the control plane's config, reloaded without
 * refusing a request when the config file changes, stopped softly. The
 * process is known to be up only when its runtime socket answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MlaasError } from '../errors.js';
import { checkConfig } from './haproxy-check-config.js';
import { findHaproxy } from './haproxy-binary.js';
import { HaproxyRuntimeApi } from './haproxy-runtime-api.js';
import { processIsRunning } from './process-is-running.js';

export interface HaproxyProcessOptions {
  /** The `stats socket <path> level admin` of the config: how start and reload see the worker answer. */
  runtimeSocket: string;
  /** The haproxy binary; found with findHaproxy(process.env) when absent. */
  binary?: string;
  /** How long start() and reload() wait for a worker to answer. */
  readyTimeoutMs?: number;
  /** Each line HAProxy writes to stderr: its notices, and its logs with `log stderr format raw local0`. */
  onStderr?: (line: string) => void;
  /** The master exited, whether stop() asked it to or not (a crash, a kill from outside). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

const TAIL_CHARS = 8192;
const KILL_WAIT_MS = 2000;

/**
 * One HAProxy master and its worker(s).
 *
 * Dynamic servers (`add server`) and map changes made through the runtime
 * API live in the worker: a reload starts a new worker from the config file,
 * without them. reload() resolves once the new worker answers the runtime
 * socket, so the caller re-programs right after it.
 *
 * @example
 * const haproxy = new HaproxyProcess({ runtimeSocket: '/run/mlaas/haproxy.sock' });
 * await haproxy.start('/run/mlaas/haproxy.cfg');
 * await haproxy.reload(); // after rewriting the file
 * await haproxy.stop(5000);
 */
export class HaproxyProcess {
  readonly api: HaproxyRuntimeApi;
  readonly #options: HaproxyProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #binary: string | undefined;
  #configFile: string | undefined;
  #tail = '';
  #partialLine = '';
  /** Lines "Loading failure!" the master printed: a reload it could not do. */
  #loadFailures = 0;
  readonly #workers = new Set<number>();
  #reloads: Promise<unknown> = Promise.resolve();

  constructor(options: HaproxyProcessOptions) {
    this.#options = options;
    this.#binary = options.binary;
    this.api = new HaproxyRuntimeApi(options.runtimeSocket, { timeoutMs: 2000 });
  }

  /** The master's pid while it runs. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  /** The last few kB HAProxy wrote to stderr. */
  get stderrTail(): string {
    return this.#tail;
  }

  /** Starts HAProxy; resolves when its worker answers `show info`, rejects with its stderr if it exits first. */
  async start(configFile: string): Promise<void> {
    if (this.pid !== undefined) throw new MlaasError('HAPROXY_UNAVAILABLE', `haproxy already running (pid ${this.pid})`);
    this.#binary ??= (await findHaproxy(process.env)).path;
    this.#configFile = configFile;
    const child = spawn(this.#binary, ['-W', '-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#options.onExit?.(code, signal);
        resolve();
      }),
    );
    child.once('error', (error) => this.#remember(`${error.message}\n`));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#remember(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.#remember(chunk));
    try {
      await this.#waitForWorker(undefined, 'start');
    } catch (error) {
      // A master that runs but never answers (no `stats socket` at runtimeSocket) must not be left behind.
      await this.stop(0);
      throw error;
    }
  }

  /**
   * Re-reads the config file (checked first: an invalid one rejects with its
   * error lines and the running worker stays). The master starts a new
   * worker, which takes the listening sockets over from the old one, so no
   * connection is refused; the old worker finishes its requests and exits.
   */
  reload(): Promise<void> {
    // One at a time: a second signal while the master re-executes would be lost or start a third worker.
    const result = this.#reloads.then(() => this.#reloadNow());
    this.#reloads = result.catch(() => undefined);
    return result;
  }

  async #reloadNow(): Promise<void> {
    const child = this.#child;
    if (child === undefined || this.pid === undefined || this.#configFile === undefined || this.#binary === undefined) {
      throw new MlaasError('HAPROXY_UNAVAILABLE', 'haproxy is not running; start() it first');
    }
    const check = await checkConfig(this.#configFile, this.#binary);
    if (!check.ok) throw new MlaasError('HAPROXY_UNAVAILABLE', `haproxy config ${this.#configFile} invalid, not reloaded:\n${check.errors.join('\n')}`);
    const old = await this.#workerPid();
    child.kill('SIGUSR2');
    await this.#waitForWorker(old, 'reload');
  }

  /**
   * Soft stop (SIGUSR1: listeners close, requests in flight finish), then
   * SIGTERM once `graceMs` has passed, then SIGKILL; workers still alive at
   * the end (a killed master does not take them along) are killed too.
   */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (child === undefined || exited === undefined) return;
    const sequence: [NodeJS.Signals, number][] = [['SIGUSR1', graceMs], ['SIGTERM', KILL_WAIT_MS], ['SIGKILL', KILL_WAIT_MS]];
    for (const [signal, waitMs] of sequence) {
      if (this.pid === undefined) break;
      child.kill(signal);
      await Promise.race([exited, sleep(waitMs)]);
    }
    const left = [...this.#workers].filter((pid) => this.#isOurWorker(pid));
    for (const pid of left) process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + KILL_WAIT_MS;
    while (left.some(processIsRunning) && Date.now() < deadline) await sleep(10);
  }

  /** Running, and (where /proc tells) still an haproxy of this config, not a process that got a reused pid. */
  #isOurWorker(pid: number): boolean {
    if (!processIsRunning(pid)) return false;
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(this.#configFile ?? '');
    } catch {
      return !fs.existsSync('/proc/self/cmdline');
    }
  }

  async #workerPid(): Promise<number | undefined> {
    try {
      const [info = ''] = await this.api.execute(['show info']);
      const pid = Number(/^Pid: (\d+)$/m.exec(info)?.[1]);
      if (!Number.isInteger(pid)) return undefined;
      this.#workers.add(pid);
      return pid;
    } catch {
      return undefined;
    }
  }

  async #waitForWorker(previous: number | undefined, action: 'start' | 'reload'): Promise<void> {
    const deadline = Date.now() + (this.#options.readyTimeoutMs ?? 10_000);
    const failuresAtStart = this.#loadFailures;
    for (;;) {
      const pid = await this.#workerPid();
      // Our master's child, not a leftover haproxy still answering on the same socket path.
      if (pid !== undefined && pid !== previous && isChildOf(pid, this.pid)) return;
      if (this.pid === undefined) {
        throw new MlaasError('HAPROXY_UNAVAILABLE', `haproxy exited during ${action} (code ${this.#child?.exitCode}, signal ${this.#child?.signalCode}):\n${this.#tail}`);
      }
      if (this.#loadFailures > failuresAtStart) {
        throw new MlaasError('HAPROXY_UNAVAILABLE', `haproxy could not load the config on ${action}; the worker that ran before keeps serving:\n${this.#tail}`);
      }
      if (Date.now() >= deadline) {
        throw new MlaasError('HAPROXY_UNAVAILABLE', `haproxy did not answer on ${this.#options.runtimeSocket} within ${this.#options.readyTimeoutMs ?? 10_000} ms of ${action} (does the config declare \`stats socket ${this.#options.runtimeSocket} level admin\`?):\n${this.#tail}`);
      }
      await sleep(20);
    }
  }

  #remember(chunk: string): void {
    this.#tail = (this.#tail + chunk).slice(-TAIL_CHARS);
    const lines = (this.#partialLine + chunk).split('\n');
    this.#partialLine = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('Loading failure!')) this.#loadFailures += 1;
      this.#options.onStderr?.(line);
    }
  }
}

/** From /proc on Linux; elsewhere assumed, as there is no cheap way to tell. */
function isChildOf(pid: number, parent: number | undefined): boolean {
  try {
    // /proc/<pid>/stat: `pid (comm) state ppid ...`; comm may hold spaces, so read after its closing paren.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
  } catch {
    return !fs.existsSync('/proc/self/stat');
  }
}

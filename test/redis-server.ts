/**
 * A throw-away `redis-server` (Debian's package) for tests: on a free
 * loopback port, nothing persisted (`--save '' --appendonly no`), stopped
 * after. `kill()` takes it away the way a crash does and `start()` brings a
 * fresh, empty one back on the same port; `pause()` leaves its connections
 * open but unanswered (SIGSTOP, as a hung or partitioned server) until
 * `resume()`: for tests of what gateways do while their Redis is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../src/runtime/free-port.js';

export const REDIS_SERVER = process.env['MLAAS_TEST_REDIS_SERVER'] ?? '/usr/bin/redis-server';

export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`, with `:PASSWORD@` when it has one. */
  readonly url: string;
  /** SIGKILL: clients see their connection reset, nothing is saved. */
  kill(): Promise<void>;
  /** A new empty server on the same port (after kill). */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing is answered. */
  pause(): void;
  /** SIGCONT: answers again, what it was sent meanwhile first. */
  resume(): void;
  /** Stops it for good; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * @example
 * const redis = await startRedis();
 * try { ... redis.url ... } finally { await redis.stop(); }
 */
export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const auth = options.password === undefined ? [] : ['--requirepass', options.password];
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = await launch(port, auth);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://${options.password === undefined ? '' : `:${options.password}@`}127.0.0.1:${port}`,
    kill,
    start,
    stop: kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

/** Spawns the server and resolves once it accepts connections (it says so on stdout), within 10 s. */
function launch(port: number, auth: readonly string[]): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice', ...auth];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready within 10 s:\n${output}`)), 10_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => fail(new Error(`could not start ${REDIS_SERVER}: ${err.message} (Debian: apt-get install redis-server)`)));
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
    child.once('exit', onExit);
  });
}

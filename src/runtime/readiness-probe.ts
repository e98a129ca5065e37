/**
 * Decides when a freshly started instance may receive traffic: `GET /healthz`
 * answers 200, or, for a service without that route, the port accepts
 * connections (DESIGN: the service contract). Polls fast at first because
 * cold-start latency is what a held request waits for.
 */
import http from 'node:http';

export interface ReadinessOptions {
  host: string;
  port: number;
  /** Path of the health route. */
  path?: string;
  /** Give up after this long. */
  timeoutMs: number;
  /** Longest pause between two probes; for the first 3 s they are 3 ms, then doubling up to this. */
  intervalMs?: number;
  /** Aborting rejects at once with the signal's reason. */
  signal?: AbortSignal;
  /** Returns false once the process is gone, so a dead instance fails fast. */
  isAlive?: () => boolean;
}

const FIRST_INTERVAL_MS = 3;
const TCP_CONFIRM_MS = 25;
/**
 * Probes stay at the first interval this long: a cold start is a request
 * waiting, and every probe that misses the moment of readiness adds its pause
 * to that request's latency. Refused connections on loopback cost microseconds.
 */
const FAST_PHASE_MS = 3_000;
const ATTEMPT_TIMEOUT_MS = 1_000;

type Attempt = { ready: true; byTcpOnly?: boolean } | { ready: false; why: string; timedOut?: boolean };

/**
 * Resolves once the instance is ready; rejects with an Error whose message is
 * the reason it is not, e.g. `not ready after 30s: connection refused on
 * 127.0.0.1:4123`.
 *
 * @example
 * await waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 30_000, isAlive: () => child.exitCode === null });
 */
export async function waitUntilReady(options: ReadinessOptions): Promise<void> {
  const { host, port, timeoutMs, signal } = options;
  const path = options.path ?? '/healthz';
  const maxInterval = Math.max(1, options.intervalMs ?? 200);
  const isAlive = options.isAlive ?? (() => true);
  const startedAt = Date.now();
  const deadline = startedAt + timeoutMs;
  let interval = Math.min(FIRST_INTERVAL_MS, maxInterval);
  const noAnswer = `no answer on ${host}:${port}`;
  let lastWhy = noAnswer;

  for (;;) {
    throwIfStopped(signal, isAlive);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`not ready after ${formatDuration(timeoutMs)}: ${lastWhy}`);
    const budget = Math.min(ATTEMPT_TIMEOUT_MS, remaining);
    const attempt = await probeOnce(host, port, path, budget, signal);
    if (attempt.ready && attempt.byTcpOnly !== true) return;
    if (attempt.ready) {
      // A connection that broke before any HTTP answer is also what a process
      // dying under the probe looks like: accept the TCP rule only when the
      // port accepts again a moment later and the process still lives.
      await pause(TCP_CONFIRM_MS, signal);
      throwIfStopped(signal, isAlive);
      const again = await probeOnce(host, port, path, Math.min(ATTEMPT_TIMEOUT_MS, Math.max(1, deadline - Date.now())), signal);
      throwIfStopped(signal, isAlive);
      if (again.ready) return;
      lastWhy = again.why;
      continue;
    }
    // A last attempt cut short by the deadline says less than the answer before it (`answered 503`).
    if (attempt.timedOut !== true || budget === ATTEMPT_TIMEOUT_MS || lastWhy === noAnswer) lastWhy = attempt.why;
    throwIfStopped(signal, isAlive);
    await pause(Math.min(interval, Math.max(0, deadline - Date.now())), signal);
    if (Date.now() - startedAt >= FAST_PHASE_MS) interval = Math.min(interval * 2, maxInterval);
  }
}

function throwIfStopped(signal: AbortSignal | undefined, isAlive: () => boolean): void {
  if (signal?.aborted) throw abortError(signal);
  if (!isAlive()) throw new Error('exited before becoming ready');
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason ?? 'readiness probe aborted'));
}

function probeOnce(host: string, port: number, path: string, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
  return new Promise((resolve) => {
    let connected = false;
    const req = http.request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs, signal });
    req.once('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.once('response', (res) => {
      res.resume();
      // 404: the service has no health route, and it answered, so the port accepts.
      if (res.statusCode === 200 || res.statusCode === 404) resolve({ ready: true });
      else resolve({ ready: false, why: `GET ${path} answered ${res.statusCode ?? 'no status'}` });
    });
    req.once('timeout', () => {
      resolve({ ready: false, why: `GET ${path} gave no answer within ${formatDuration(timeoutMs)}`, timedOut: true });
      req.destroy();
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      // A port that accepted but does not speak HTTP is ready by the TCP rule.
      if (connected && err.name !== 'AbortError') resolve({ ready: true, byTcpOnly: true });
      else if (err.code === 'ECONNREFUSED') resolve({ ready: false, why: `connection refused on ${host}:${port}` });
      else resolve({ ready: false, why: `${err.code ?? err.message} on ${host}:${port}` });
    });
    req.end();
  });
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `250ms`, `2s`, `1.5s`: short enough for a one-line reason. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1_000).toFixed(1))}s`;
}

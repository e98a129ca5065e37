/**
 * The primary's side of `gateway.workers` (N > 1): forks N gateway workers
 * (gateway-worker.ts) with node:cluster, which share gateway.port — the
 * primary accepts and hands each connection to the next worker in turn —
 * and keeps them fed and counted. Each gets the full snapshot at start and
 * every later one (`broadcast`); its quota checks are answered from the
 * primary's one limiter, so limits stay exact across workers; its load
 * reports are summed per revision for the autoscaler (a dead worker's
 * requests stay counted, the counter never goes back); its metrics are
 * gathered at scrape time. A worker that exits unasked is started again
 * after a backoff that doubles up to MAX_BACKOFF_MS and resets once a
 * worker has served for STABLE_MS; the others serve meanwhile.
 */
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { ERROR_CODES, MlaasError, type ErrorCode } from './errors.js';
import type { GatewaySnapshot } from './api/gateway-snapshot.js';
import type { GatewayOperation } from './config/index.js';
import type { QuotaChecker, QuotaCheckResult } from './gateway/quota-checker.js';
import { FromWorkerSchema, ToWorkerSchema, type ToWorker, type WorkerSettings } from './gateway/worker-messages.js';

export interface GatewayWorkersOptions {
  count: number;
  settings: WorkerSettings;
  operations(): readonly GatewayOperation[];
  snapshot(): GatewaySnapshot;
  /** The primary's limiter: every worker's checks count here. */
  quotas: QuotaChecker;
  onKeyUsed(keyId: string, atMs: number): void;
  /** A request-log line a worker wrote. */
  onRequestLogLine?(line: string): void;
  logger: Logger;
}

export interface GatewayWorkerStatus {
  /** 1 … N: the slot, which a restarted worker takes over. */
  slot: number;
  pid: number | undefined;
  /** Requests this slot's workers have taken, since start, across restarts. */
  requests: number;
  restarts: number;
}

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

const WORKER_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gateway-worker-main.js');
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;
const STABLE_MS = 30_000;
const METRICS_TIMEOUT_MS = 2_000;
const DRAIN_TIMEOUT_MS = 30_000;

interface Slot {
  slot: number;
  worker: Worker | undefined;
  startedAt: number;
  restarts: number;
  /** Consecutive early exits, for the backoff. */
  crashes: number;
  /** The last report: revision → [load now, requests so far]. */
  load: Map<string, [number, number]>;
  /** The last report: instance id → requests in flight to it. */
  inFlight: Record<string, number>;
  /** Requests of this slot's dead workers, per revision. */
  retired: Map<string, number>;
  timer: NodeJS.Timeout | undefined;
  /** The worker listens: it has its message listener, and a `drain` reaches it. */
  listening: boolean;
}

export class GatewayWorkers {
  readonly #o: GatewayWorkersOptions;
  readonly #slots: Slot[] = [];
  readonly #metricsWaiting = new Map<number, (metrics: Metrics) => void>();
  #nextMetrics = 0;
  readonly #drainsWaiting = new Map<number, () => void>();
  #nextDrain = 0;
  #stopping = false;

  constructor(options: GatewayWorkersOptions) {
    this.#o = options;
    cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], serialization: 'advanced' });
  }

  /** Forks every worker; resolves with the port they share once all listen, rejects when one cannot start. */
  async start(): Promise<number> {
    const ports = [];
    for (let slot = 1; slot <= this.#o.count; slot++) {
      const s: Slot = { slot, worker: undefined, startedAt: 0, restarts: 0, crashes: 0, load: new Map(), retired: new Map(), timer: undefined, listening: false, inFlight: {} };
      this.#slots.push(s);
      ports.push(this.#fork(s));
    }
    const [port] = await Promise.all(ports);
    return port as number;
  }

  /** Tells every worker; one being started gets the latest state in its `init`. */
  broadcast(message: ToWorker): void {
    const checked = ToWorkerSchema.parse(message);
    for (const s of this.#slots) if (s.worker?.isConnected()) s.worker.send(checked);
  }

  /** Requests in flight at a revision or waiting for it, on all workers, as last reported. */
  revisionLoad(revision: string): number {
    let sum = 0;
    for (const s of this.#slots) sum += s.load.get(revision)?.[0] ?? 0;
    return sum;
  }

  /** Requests that reached a revision on any worker so far; never decreases. */
  revisionRequests(revision: string): number {
    let sum = 0;
    for (const s of this.#slots) sum += (s.load.get(revision)?.[1] ?? 0) + (s.retired.get(revision) ?? 0);
    return sum;
  }

  /** Requests in flight per instance id: `own` (the primary's gateway's) plus every worker's, as last reported. */
  inFlight(own: Record<string, number>): Record<string, number> {
    const out = { ...own };
    for (const s of this.#slots) for (const [id, n] of Object.entries(s.inFlight)) out[id] = (out[id] ?? 0) + n;
    return out;
  }

  status(): GatewayWorkerStatus[] {
    return this.#slots.map((s) => {
      let requests = 0;
      for (const [, [, n]] of s.load) requests += n;
      for (const n of s.retired.values()) requests += n;
      return { slot: s.slot, pid: s.worker?.process.pid, requests, restarts: s.restarts };
    });
  }

  /** Every live worker's metrics (prom-client JSON), for the primary's /metrics to add up. */
  async metrics(): Promise<Metrics[]> {
    const asked = this.#slots.flatMap((s) => (s.worker?.isConnected() ? [s.worker] : []));
    return Promise.all(
      asked.map(
        (worker) =>
          new Promise<Metrics>((resolve) => {
            const id = this.#nextMetrics++;
            const timer = setTimeout(() => {
              this.#metricsWaiting.delete(id);
              resolve([]);
            }, METRICS_TIMEOUT_MS);
            this.#metricsWaiting.set(id, (metrics) => {
              clearTimeout(timer);
              resolve(metrics);
            });
            worker.send({ t: 'metrics', id });
          }),
      ),
    );
  }

  /**
   * Resolves once no worker has a request in flight to these instances (or
   * `timeoutMs` passed): call it after a snapshot without them was broadcast,
   * before their processes stop.
   */
  async drainInstances(ids: readonly string[], timeoutMs: number): Promise<void> {
    const asked = this.#slots.flatMap((s) => (s.listening && s.worker?.isConnected() ? [s.worker] : []));
    await Promise.all(
      asked.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const id = this.#nextDrain++;
            const done = (): void => {
              clearTimeout(timer);
              this.#drainsWaiting.delete(id);
              worker.off('exit', done);
              resolve();
            };
            const timer = setTimeout(done, timeoutMs);
            this.#drainsWaiting.set(id, done);
            worker.once('exit', done);
            worker.send({ t: 'drain-instances', id, ids: [...ids], timeoutMs });
          }),
      ),
    );
  }

  /** Each worker finishes what it has in flight and exits; resolves when all did (or were killed after DRAIN_TIMEOUT_MS). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      this.#slots.map((s) => {
        if (s.timer !== undefined) clearTimeout(s.timer);
        const worker = s.worker;
        if (worker === undefined || worker.isDead()) return undefined;
        return new Promise<void>((resolve) => {
          const kill = setTimeout(() => worker.process.kill('SIGKILL'), DRAIN_TIMEOUT_MS);
          worker.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          // One still starting has nothing to drain, and would not hear a message yet.
          if (s.listening && worker.isConnected()) worker.send({ t: 'drain' });
          else worker.process.kill('SIGTERM');
        });
      }),
    );
  }

  #fork(s: Slot): Promise<number> {
    const worker = cluster.fork();
    s.worker = worker;
    s.startedAt = Date.now();
    s.load = new Map();
    s.listening = false;
    const log = this.#o.logger.child({ worker: s.slot, pid: worker.process.pid });
    return new Promise<number>((resolve, reject) => {
      worker.on('message', (raw: unknown) => {
        const parsed = FromWorkerSchema.safeParse(raw);
        if (!parsed.success) {
          log.warn({ issues: parsed.error.issues.length }, 'ignored a message from a gateway worker that is not one');
          return;
        }
        const message = parsed.data;
        switch (message.t) {
          case 'ready':
            worker.send(ToWorkerSchema.parse({ t: 'init', settings: this.#o.settings, operations: this.#o.operations(), snapshot: this.#o.snapshot() }));
            break;
          case 'listening':
            s.listening = true;
            log.info({ port: message.port }, 'gateway worker listening');
            resolve(message.port);
            break;
          case 'failed':
            // A taken port is reported as by a single-process gateway: the same code and message.
            reject(message.code !== undefined && message.code in ERROR_CODES ? new MlaasError(message.code as ErrorCode, message.error) : new Error(`gateway worker ${s.slot} could not start: ${message.error}`));
            break;
          case 'quota':
            this.#answerQuota(worker, message.id, message.keyId, message.tenantId, message.limits);
            break;
          case 'report':
            // A revision the worker stopped reporting (retired, forgotten) keeps its requests counted.
            for (const [revision, [, requests]] of s.load) if (!message.load.has(revision)) s.retired.set(revision, (s.retired.get(revision) ?? 0) + requests);
            s.load = message.load;
            s.inFlight = message.inFlight;
            for (const [id, atMs] of message.keysUsed) this.#o.onKeyUsed(id, atMs);
            for (const line of message.requestLogLines) this.#o.onRequestLogLine?.(line);
            break;
          case 'metrics':
            this.#metricsWaiting.get(message.id)?.(message.metrics as Metrics);
            this.#metricsWaiting.delete(message.id);
            break;
          case 'drained':
            this.#drainsWaiting.get(message.id)?.();
            break;
        }
      });
      worker.once('exit', (code, signal) => {
        for (const [revision, [, requests]] of s.load) s.retired.set(revision, (s.retired.get(revision) ?? 0) + requests);
        s.load = new Map();
        s.inFlight = {};
        if (!s.listening) reject(new Error(`gateway worker ${s.slot} exited before it listened (${signal ?? `exit code ${code}`})`));
        // A first start that fails fails `mlaas up`; a restart that fails is tried again.
        if (this.#stopping || (!s.listening && s.restarts === 0)) return;
        s.crashes = Date.now() - s.startedAt >= STABLE_MS ? 0 : s.crashes + 1;
        const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, s.crashes - 1));
        log.error({ code, signal, restartInMs: delay }, 'gateway worker exited: starting another');
        s.timer = setTimeout(() => {
          s.timer = undefined;
          s.restarts++;
          this.#fork(s).catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'gateway worker could not start again'));
        }, delay);
      });
    });
  }

  #answerQuota(worker: Worker, id: number, keyId: string, tenantId: string, limits: Parameters<QuotaChecker['check']>[2]): void {
    const reply = (result: QuotaCheckResult): void => {
      if (worker.isConnected()) worker.send({ t: 'quota', id, result });
    };
    const result = this.#o.quotas.check(keyId, tenantId, limits);
    if (result instanceof Promise) result.then(reply, () => reply({ allowed: false, limitedBy: 'unavailable' }));
    else reply(result);
  }
}

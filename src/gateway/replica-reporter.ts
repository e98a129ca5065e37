/**
 * How `mlaas gateway` keeps the control plane informed (api/gateway-report.ts):
 * right after each snapshot it applies (the admin API holds a change's answer
 * until every live gateway has applied it), every `busyEveryMs` while it has
 * requests in flight or its request counts moved (the autoscaler adds them
 * to the revision's), and
 * every `idleEveryMs` otherwise, as a heartbeat. One report at a time, each
 * bounded by `timeoutMs`; a control plane that does not answer is logged once
 * until it answers again, and changes nothing about serving.
 */
import type { Logger } from 'pino';
import { GATEWAY_REPORT_PATH, type GatewayReport } from '../api/gateway-report.js';
import { ACTIVATOR_TOKEN_HEADER } from './forward-headers.js';

export interface ReplicaReporterOptions {
  id: string;
  /** The control plane's admin API and the token that proves this gateway read the store; undefined while none runs. */
  target(): { url: string; token: string } | undefined;
  /** The newest audit entry the serving snapshot was read after. */
  applied(): number;
  /** Revision → requests in flight now; revisions with none may be left out. */
  inFlight(): Record<string, number>;
  /** Revision → requests sent to it so far (counters); revisions with none may be left out. */
  requests(): Record<string, number>;
  logger: Logger;
  busyEveryMs?: number;
  idleEveryMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class ReplicaReporter {
  readonly #o: ReplicaReporterOptions;
  readonly #now: () => number;
  readonly #busyEveryMs: number;
  readonly #idleEveryMs: number;
  #timer: NodeJS.Timeout | undefined;
  #sending = false;
  #nudged = false;
  #lastSentAt = 0;
  #lastBusy = false;
  #lastRequests = 0;
  #failing = false;

  constructor(options: ReplicaReporterOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#busyEveryMs = options.busyEveryMs ?? 200;
    this.#idleEveryMs = options.idleEveryMs ?? 1_000;
  }

  start(): void {
    this.#timer = setInterval(() => this.#tick(), this.#busyEveryMs);
    this.#timer.unref();
    this.nudge();
  }

  /** Reports now (or as soon as the report under way is answered): a new snapshot was applied. */
  nudge(): void {
    this.#nudged = true;
    this.#tick();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.#sending || this.#timer === undefined) return;
    const inFlight: Record<string, number> = {};
    let busy = false;
    for (const [revision, n] of Object.entries(this.#o.inFlight())) {
      if (n <= 0) continue;
      inFlight[revision] = n;
      busy = true;
    }
    const requests: Record<string, number> = {};
    let total = 0;
    for (const [revision, n] of Object.entries(this.#o.requests())) {
      if (n <= 0) continue;
      requests[revision] = n;
      total += n;
    }
    // The last busy report is followed by one that says the load is gone, not left to age out; requests
    // that came and went between two ticks still move the counters, and are reported.
    const due = this.#nudged || busy || this.#lastBusy || total !== this.#lastRequests || this.#now() - this.#lastSentAt >= this.#idleEveryMs;
    const target = this.#o.target();
    if (!due || target === undefined) return;
    this.#nudged = false;
    this.#lastBusy = busy;
    this.#lastRequests = total;
    this.#lastSentAt = this.#now();
    this.#sending = true;
    void this.#send(target, { id: this.#o.id, applied: this.#o.applied(), inFlight, requests }).finally(() => {
      this.#sending = false;
      if (this.#nudged) this.#tick();
    });
  }

  async #send(target: { url: string; token: string }, report: GatewayReport): Promise<void> {
    try {
      const res = await fetch(`${target.url}${GATEWAY_REPORT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [ACTIVATOR_TOKEN_HEADER]: target.token },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 1_000),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`the control plane answered ${res.status}`);
      if (this.#failing) this.#o.logger.info('reporting to the control plane again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot report to the control plane: its autoscaler misses this gateway’s load');
      this.#failing = true;
    }
  }
}

/**
 * The gateways in other processes (`mlaas gateway`) as the control plane
 * hears of them (api/gateway-report.ts), in memory: a restarted control plane
 * knows them again within one heartbeat. A gateway is live while it reported
 * within `liveForMs`; its load counts while it reported within `loadForMs`
 * (a killed gateway's requests are gone with it). `caughtUp` is what lets
 * the admin API answer a change only once every live gateway serves it.
 */
import type { GatewayReport } from '../api/gateway-report.js';
import { latestChange } from '../state/latest-change.js';
import type { AuditEntry } from '../state/state-store.js';

/** How long the admin API holds a change's answer for gateways that have not applied it. */
export const SETTLE_TIMEOUT_MS = 1_500;

/** The admin API's `settle`: waits (at most `timeoutMs`) until every live gateway applied the store's latest change. */
export function settleChanges(
  replicas: GatewayReplicas,
  store: { listAudit(opts: { limit?: number }): AuditEntry[] },
  logger: { warn(obj: object, msg?: string): void },
  timeoutMs = SETTLE_TIMEOUT_MS,
): () => Promise<void> {
  return async () => {
    const version = latestChange(store);
    const behind = await replicas.caughtUp(version, timeoutMs);
    if (behind.length > 0) logger.warn({ behind, change: version, waitedMs: timeoutMs }, 'answered a change before every gateway applied it');
  };
}

export interface GatewayReplicasOptions {
  now?: () => number;
  liveForMs?: number;
  loadForMs?: number;
}

export interface GatewayReplicaStatus {
  id: string;
  applied: number;
  /** Milliseconds since its last report. */
  seenAgoMs: number;
  inFlight: Record<string, number>;
}

interface Seen {
  applied: number;
  inFlight: Record<string, number>;
  requests: Record<string, number>;
  seenAt: number;
}

export class GatewayReplicas {
  readonly #now: () => number;
  readonly #liveForMs: number;
  readonly #loadForMs: number;
  readonly #replicas = new Map<string, Seen>();
  readonly #waiters = new Set<() => void>();

  constructor(options: GatewayReplicasOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#liveForMs = options.liveForMs ?? 3_000;
    this.#loadForMs = options.loadForMs ?? 1_000;
  }

  report(report: GatewayReport): void {
    const now = this.#now();
    this.#replicas.set(report.id, { applied: report.applied, inFlight: report.inFlight, requests: report.requests, seenAt: now });
    // Gateways that stopped reporting long ago are forgotten, so the map stays as small as the fleet.
    for (const [id, seen] of this.#replicas) if (now - seen.seenAt > 10 * this.#liveForMs) this.#replicas.delete(id);
    for (const wake of this.#waiters) wake();
  }

  /** Requests in flight for `revision` through the gateways that reported lately. */
  load(revision: string): number {
    const now = this.#now();
    let sum = 0;
    for (const seen of this.#replicas.values()) if (now - seen.seenAt <= this.#loadForMs) sum += seen.inFlight[revision] ?? 0;
    return sum;
  }

  /**
   * Requests the live gateways sent `revision` (the sum of their counters): for
   * `metric: rps`, beside the in-process gateway's counter. A gateway that
   * leaves takes its part with it; the autoscaler reads a drop as no requests.
   */
  requests(revision: string): number {
    const now = this.#now();
    let sum = 0;
    for (const seen of this.#replicas.values()) if (now - seen.seenAt <= this.#liveForMs) sum += seen.requests[revision] ?? 0;
    return sum;
  }

  /** The live gateways that have not applied change `version` yet. */
  behind(version: number): string[] {
    const now = this.#now();
    const out: string[] = [];
    for (const [id, seen] of this.#replicas) if (now - seen.seenAt <= this.#liveForMs && seen.applied < version) out.push(id);
    return out;
  }

  /**
   * Resolves once every live gateway applied change `version`, or after
   * `timeoutMs` with those that still have not (a gateway that hangs must not
   * hold the admin API's answers for longer). Never rejects.
   */
  caughtUp(version: number, timeoutMs: number): Promise<string[]> {
    if (this.behind(version).length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        clearInterval(ageing);
        this.#waiters.delete(check);
        resolve(this.behind(version));
      };
      const check = (): void => {
        if (this.behind(version).length === 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      // A gateway that stops reporting stops counting as live: checked without a report to wake on.
      const ageing = setInterval(check, 250);
      this.#waiters.add(check);
    });
  }

  status(): GatewayReplicaStatus[] {
    const now = this.#now();
    return [...this.#replicas]
      .filter(([, seen]) => now - seen.seenAt <= this.#liveForMs)
      .map(([id, seen]) => ({ id, applied: seen.applied, seenAgoMs: now - seen.seenAt, inFlight: seen.inFlight }));
  }
}

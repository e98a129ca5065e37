/**
 * The rate limits of a gateway worker without `quotas.redis`: each check is
 * asked of the primary's one QuotaLimiter over the cluster's IPC channel, so
 * that N workers admit what one gateway would — the same sliding windows,
 * exactly, not N windows each allowing the whole limit. A check the primary
 * cannot answer (its channel closed: it is going away) is refused as
 * `unavailable` (503), never left hanging.
 */
import type { QuotaChecker, QuotaCheckResult } from './quota-checker.js';
import type { DocumentQuotaUse, QuotaLimits } from './quota-limiter.js';

/** How the checker reaches the primary: `process.send` in a cluster worker. */
export type SendToPrimary = (message: { t: 'quota'; id: number; keyId: string; tenantId: string; limits: QuotaLimits }) => unknown;

const UNAVAILABLE: QuotaCheckResult = Object.freeze({ allowed: false, limitedBy: 'unavailable' });

export class IpcQuotaChecker implements QuotaChecker {
  readonly #send: SendToPrimary;
  readonly #waiting = new Map<number, (result: QuotaCheckResult) => void>();
  #next = 0;
  #closed = false;

  constructor(send: SendToPrimary) {
    this.#send = send;
  }

  /** The primary counts every worker's document use: `mlaas status` reads it there. */
  documentUse(): DocumentQuotaUse[] {
    return [];
  }

  get degraded(): boolean {
    return this.#closed;
  }

  check(keyId: string, tenantId: string, limits: QuotaLimits): Promise<QuotaCheckResult> {
    if (this.#closed) return Promise.resolve(UNAVAILABLE);
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      try {
        this.#send({ t: 'quota', id, keyId, tenantId, limits });
      } catch {
        this.answer(id, UNAVAILABLE);
      }
    });
  }

  /** The primary's answer to check `id`. */
  answer(id: number, result: QuotaCheckResult): void {
    const resolve = this.#waiting.get(id);
    if (resolve === undefined) return;
    this.#waiting.delete(id);
    resolve(result);
  }

  /** The channel to the primary closed: what waits, and what comes, is refused. */
  close(): void {
    this.#closed = true;
    for (const [id] of this.#waiting) this.answer(id, UNAVAILABLE);
  }
}

/**
 * Keeps a gateway in another process than the control plane on the store's
 * latest state: a new snapshot on every change the store reports, and one
 * every `checkEveryMs` besides, so that a store that cannot be read is
 * noticed even when it reports nothing. A refresh that fails keeps the last
 * snapshot serving and marks it stale, with when it last succeeded and why
 * it fails now (`health`); the next one that works clears it.
 */
import type { Logger } from 'pino';
import type { GatewaySnapshot, GatewayStateSource } from '../api/gateway-snapshot.js';

export interface SnapshotHealth {
  /** True while the latest refresh failed: the gateway serves an older snapshot. */
  stale: boolean;
  /** ISO 8601 UTC time of the last refresh that worked. */
  refreshedAt: string;
  /** Milliseconds since then. */
  ageMs: number;
  /** Why the latest refresh failed; absent when it worked. */
  error?: string;
  /** Revision → the ready instances the snapshot knows of; a revision at zero is absent (its requests go to the activator). */
  ready: Record<string, number>;
}

export interface SnapshotRefresherOptions {
  /** Told of changes by it; what it reads is `read`'s. */
  source: Pick<GatewayStateSource, 'onChange'>;
  /** Reads one snapshot, consistently (in one read transaction where the store has them). */
  read(): GatewaySnapshot;
  apply(snapshot: GatewaySnapshot): void;
  logger: Logger;
  checkEveryMs?: number;
  now?: () => number;
}

const DEFAULT_CHECK_EVERY_MS = 5_000;

export class SnapshotRefresher {
  readonly #o: SnapshotRefresherOptions;
  readonly #now: () => number;
  #refreshedAt = 0;
  #ready: Record<string, number> = {};
  #error: string | undefined;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SnapshotRefresherOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Applies the first snapshot (its failure is thrown: there is nothing to serve yet), then follows the store. */
  start(): void {
    this.#swap(this.#o.read());
    this.#refreshedAt = this.#now();
    this.#unsubscribe = this.#o.source.onChange(() => this.refresh());
    this.#timer = setInterval(() => this.refresh(), this.#o.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS);
    this.#timer.unref();
  }

  /** Reads and applies a snapshot; false (and stale) when the store could not be read. */
  refresh(): boolean {
    try {
      this.#swap(this.#o.read());
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (this.#error === undefined) this.#o.logger.warn({ err: error }, 'cannot read the state store: serving the last snapshot');
      this.#error = error;
      return false;
    }
    if (this.#error !== undefined) this.#o.logger.info('the state store can be read again: snapshot refreshed');
    this.#error = undefined;
    this.#refreshedAt = this.#now();
    return true;
  }

  health(): SnapshotHealth {
    const health: SnapshotHealth = {
      stale: this.#error !== undefined,
      refreshedAt: new Date(this.#refreshedAt).toISOString(),
      ageMs: this.#now() - this.#refreshedAt,
      ready: this.#ready,
    };
    if (this.#error !== undefined) health.error = this.#error;
    return health;
  }

  #swap(snapshot: GatewaySnapshot): void {
    this.#o.apply(snapshot);
    const ready: Record<string, number> = {};
    for (const [revision, instances] of snapshot.instances) ready[revision] = instances.length;
    this.#ready = ready;
  }

  stop(): void {
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}

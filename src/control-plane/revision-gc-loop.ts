/**
 * Runs revision GC (revision-gc.ts) for real: a service is swept after each
 * change of its revisions or traffic, and every service once a minute, so
 * that a revision becomes collectable when its retain times run out even if
 * nothing else happens. Deletions go through the reconciler, one service at
 * a time with its deploys, and are audited with the actor `gc`.
 */
import type { Logger } from 'pino';
import type { RevisionReconciler } from './revision-reconciler.js';
import { revisionsToCollect, type RevisionGcSettings } from './revision-gc.js';
import type { StateStore } from '../state/state-store.js';

export const GC_SWEEP_INTERVAL_MS = 60_000;

export interface RevisionGcLoopOptions {
  store: StateStore;
  reconciler: Pick<RevisionReconciler, 'collect'>;
  settings: RevisionGcSettings;
  now?: () => Date;
  logger: Logger;
}

export class RevisionGcLoop {
  readonly #o: RevisionGcLoopOptions;
  readonly #due = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RevisionGcLoopOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => {
      for (const s of this.#o.store.listServices()) this.poke(s.name);
    }, GC_SWEEP_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Sweeps the service soon, once however many changes ask for it meanwhile. */
  poke(service: string): void {
    if (this.#stopped || this.#due.has(service)) return;
    this.#due.add(service);
    setImmediate(() => {
      this.#due.delete(service);
      if (!this.#stopped) void this.sweep(service);
    });
  }

  /** Deletes what GC picks for the service now; answers the names. A failure is logged, never thrown. */
  async sweep(service: string): Promise<string[]> {
    const { reconciler, settings, logger } = this.#o;
    const now = this.#o.now ?? (() => new Date());
    try {
      const deleted = await reconciler.collect(service, (revisions, policy) => revisionsToCollect(revisions, policy, settings, now()));
      if (deleted.length > 0) logger.info({ service, deleted }, 'revision GC deleted non-active revisions');
      return deleted;
    } catch (err) {
      logger.warn({ service, err: err instanceof Error ? err.message : String(err) }, 'revision GC failed');
      return [];
    }
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}

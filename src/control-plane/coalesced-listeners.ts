/**
 * The listeners of a store's `onChange`: a burst of changes (an `apply` of
 * fifty tenants) calls each listener a few times, not fifty. The first
 * change of a quiet spell is told on the next turn of the event loop; the
 * next no sooner than `minIntervalMs` after the last call, and then once for
 * everything that came meanwhile.
 */

export const CHANGE_MIN_INTERVAL_MS = 200;

export class CoalescedListeners {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastCallAt = -Infinity;

  constructor(private readonly minIntervalMs = CHANGE_MIN_INTERVAL_MS) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Returns the unsubscribe. */
  add(listener: () => void): () => void {
    // A wrapper per subscription, so the same function subscribed twice is unsubscribed once each.
    const entry = (): void => listener();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Something changed: call every listener soon. */
  changed(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastCallAt + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => this.callAll(), wait);
    this.timer.unref();
  }

  clear(): void {
    this.listeners.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private callAll(): void {
    this.timer = undefined;
    this.lastCallAt = Date.now();
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (err) {
        // One failing listener must not keep the others from hearing of the change, nor end the process.
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), { code: 'MLAAS_CHANGE_LISTENER_FAILED' });
      }
    }
  }
}

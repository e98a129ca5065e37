/**
 * The listeners of a store's `onChange` and their coalescing: however many
 * commits land in a burst, each listener is called once soon after, and at
 * most every `MIN_INTERVAL_MS` (a gateway rebuilds its whole snapshot per call).
 * A listener that throws does not stop the others.
 */

/** The shortest time between two calls: at most ten rebuilds a second. */
export const MIN_INTERVAL_MS = 100;

export class StoreChangeNotifier {
  readonly #listeners = new Set<() => void>();
  readonly #onListening: ((listening: boolean) => void) | undefined;
  readonly #minIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #lastCallAt = Number.NEGATIVE_INFINITY;

  /**
   * @param onListening - told when the first listener comes and the last one goes (a store polls or LISTENs only while someone listens)
   * @param minIntervalMs - the shortest time between two calls
   */
  constructor(onListening?: (listening: boolean) => void, minIntervalMs = MIN_INTERVAL_MS) {
    this.#onListening = onListening;
    this.#minIntervalMs = minIntervalMs;
  }

  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  listen(listener: () => void): () => void {
    // Wrapped, so that the same function subscribed twice is two subscriptions, each with its own unsubscribe.
    const entry = (): void => listener();
    this.#listeners.add(entry);
    if (this.#listeners.size === 1) this.#onListening?.(true);
    return () => {
      if (!this.#listeners.delete(entry)) return;
      if (this.#listeners.size === 0) {
        this.#cancel();
        this.#onListening?.(false);
      }
    };
  }

  /** Something committed: calls every listener once, after the current turn and the minimum interval. */
  changed(): void {
    if (this.#listeners.size === 0 || this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastCallAt + this.#minIntervalMs - Date.now());
    this.#timer = setTimeout(() => this.#call(), wait);
    // A store's pending notification must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  close(): void {
    this.#cancel();
    if (this.#listeners.size > 0) {
      this.#listeners.clear();
      this.#onListening?.(false);
    }
  }

  #call(): void {
    this.#timer = undefined;
    this.#lastCallAt = Date.now();
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        // One failing listener must not keep the others from hearing of the change, nor end the process.
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), { code: 'MLAAS_CHANGE_LISTENER_FAILED' });
      }
    }
  }

  #cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

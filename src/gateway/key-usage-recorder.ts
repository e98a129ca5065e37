/**
 * Keeps API keys' last-used times off the hot path: a request only notes the
 * time in a map; every few seconds the latest time of each key used since the
 * last flush is written to the store in one batch.
 */

export interface KeyUsageRecorderOptions {
  /** Writes one batch: key id → epoch ms of its latest use. */
  flush: (used: ReadonlyMap<string, number>) => void;
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export const KEY_USAGE_FLUSH_MS = 5000;

export class KeyUsageRecorder {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly options: KeyUsageRecorderOptions;

  constructor(options: KeyUsageRecorderOptions) {
    this.options = options;
    this.timer = setInterval(() => this.flushNow(), options.intervalMs ?? KEY_USAGE_FLUSH_MS);
    this.timer.unref();
  }

  record(keyId: string, atMs: number): void {
    this.pending.set(keyId, atMs);
  }

  flushNow(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      this.options.flush(batch);
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** Stops the timer and writes what is pending. */
  close(): void {
    clearInterval(this.timer);
    this.flushNow();
  }
}

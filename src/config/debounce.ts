/**
 * Folds a burst of triggers into one call: editors save in several steps
 * (truncate, write, rename, chmod), and each step is a file event. The call
 * comes once `quietMs` passed without a trigger, and at the latest `maxWaitMs`
 * after the first trigger of the burst, so a file touched without pause still
 * gets looked at.
 */

export interface DebounceOptions {
  quietMs: number;
  maxWaitMs: number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface Debounced {
  trigger(): void;
  /** Drops a pending call. */
  cancel(): void;
}

/**
 * @example
 * const onEvent = debounce(() => void reload(), { quietMs: 100, maxWaitMs: 300 });
 * watcher.on('change', onEvent.trigger);
 */
export function debounce(fn: () => void, options: DebounceOptions, timers: Timers = realTimers): Debounced {
  let timer: unknown;
  let burstStartedAt: number | undefined;
  const fire = (): void => {
    timer = undefined;
    burstStartedAt = undefined;
    fn();
  };
  return {
    trigger() {
      const now = timers.now();
      burstStartedAt ??= now;
      if (timer !== undefined) timers.clearTimeout(timer);
      const untilMax = burstStartedAt + options.maxWaitMs - now;
      timer = timers.setTimeout(fire, Math.max(0, Math.min(options.quietMs, untilMax)));
    },
    cancel() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      burstStartedAt = undefined;
    },
  };
}

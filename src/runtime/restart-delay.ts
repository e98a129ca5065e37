/**
 * The backoff between restarts of a crashing instance (Kubernetes'
 * CrashLoopBackOff in small): a pure function so it can be tested without
 * waiting.
 */

export interface RestartBackoff {
  /** Delay before the first restart. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth per consecutive failed attempt. */
  factor: number;
  /** An instance that stayed ready this long resets the attempt count. */
  resetAfterMs?: number;
}

export const DEFAULT_RESTART_BACKOFF: Readonly<Required<RestartBackoff>> = Object.freeze({
  initialMs: 200,
  maxMs: 30_000,
  factor: 2,
  resetAfterMs: 10_000,
});

/**
 * Delay before restart number `attempt` (0 for the first restart after a
 * stable run): `initialMs · factor^attempt`, capped at `maxMs`.
 *
 * @example
 * restartDelay(0, DEFAULT_RESTART_BACKOFF); // 200
 * restartDelay(3, DEFAULT_RESTART_BACKOFF); // 1600
 */
export function restartDelay(attempt: number, backoff: RestartBackoff): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** n);
}

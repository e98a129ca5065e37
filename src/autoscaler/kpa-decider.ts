/**
 * The Knative Pod Autoscaler's decision for one revision, as pure functions of
 * the observed metric (concurrency, or requests per second) and an injected
 * time: `recordConcurrency` adds a sample, `decide` turns the windows into a
 * desired instance count and the excess burst capacity. Mirrors Knative
 * Serving's `pkg/autoscaler/scaling/autoscaler.go` (`Scale`) for the
 * stable/panic/rate-limit/delay/burst logic, and the KPA reconciler's
 * `scaler.go` for bounds, initial scale, scale to zero and last-pod retention.
 */
import { EMPTY_WINDOW, recordInWindow, windowAverage, windowIsEmpty, type BucketWindow } from './bucket-window.js';
import type { DeciderConfig } from './decider-config.js';

export interface DeciderState {
  readonly stable: BucketWindow;
  readonly panic: BucketWindow;
  /** Last time the panic threshold was crossed (Knative's `panicTime`); undefined = not panicking. */
  readonly panicAtMs: number | undefined;
  /** Highest count decided during this panic; panic never goes below it (Knative's `maxPanicPods`). */
  readonly maxPanicInstances: number;
  /** Counts decided within the scale-down delay, oldest first (Knative's `delayWindow`). */
  readonly recent: readonly { readonly atMs: number; readonly desired: number }[];
  /** Last sample above zero, or the decider's creation: the scale-to-zero grace period runs from here. */
  readonly lastTrafficMs: number;
  /** The revision has once had `initialInstances` ready (Knative's `ScaleTargetInitialized`). */
  readonly initialized: boolean;
  /** The last decision. */
  readonly desired: number;
  /** First decision of zero while instances ran (the last-pod retention runs from here); undefined otherwise. */
  readonly zeroSinceMs: number | undefined;
}

export interface Decision {
  desired: number;
  panic: boolean;
  /** Average concurrency over the stable window; 0 before any sample. */
  stableAverage: number;
  /** Average concurrency over the panic window. */
  panicAverage: number;
  /**
   * What the ready instances can absorb beyond the panic-window load and the
   * target burst capacity (Knative's excess burst capacity): below zero the
   * activator holds requests for the revision; -1 with an unlimited burst capacity.
   */
  excessBurstCapacity: number;
  state: DeciderState;
}

/**
 * The state of a new revision's decider. Like Knative, a decider that finds
 * more than one instance already ready starts in panic mode, so that losing
 * the metric history (a restart) cannot scale the revision down before a
 * stable window of data has been seen.
 */
export function initialDeciderState(config: DeciderConfig, nowMs: number, readyCount = 0): DeciderState {
  return {
    stable: EMPTY_WINDOW,
    panic: EMPTY_WINDOW,
    panicAtMs: readyCount > 1 ? nowMs : undefined,
    maxPanicInstances: readyCount,
    recent: [],
    lastTrafficMs: nowMs,
    initialized: readyCount >= config.initialInstances,
    desired: applyBounds(config, config.initialInstances, readyCount >= config.initialInstances),
    zeroSinceMs: undefined,
  };
}

/**
 * Adds one sample of the revision's metric: its total in-flight requests (held
 * requests at the activator included), or with metric rps its requests per second.
 */
export function recordConcurrency(config: DeciderConfig, state: DeciderState, inFlight: number, nowMs: number): DeciderState {
  return {
    ...state,
    stable: recordInWindow(state.stable, config.stableWindowMs, nowMs, inFlight),
    panic: recordInWindow(state.panic, config.panicWindowMs, nowMs, inFlight),
    lastTrafficMs: inFlight > 0 ? Math.max(state.lastTrafficMs, nowMs) : state.lastTrafficMs,
  };
}

/**
 * ceil() that ignores float noise: 7 / 0.7 is 10.000000000000002 in IEEE
 * doubles, and 7 requests at 0.7 per instance need 10 instances, not 11.
 */
function ceilCount(value: number): number {
  return Math.ceil(value - 1e-9);
}

/** min/max clamp; until the revision first reaches `initialInstances`, that is the floor (Knative's initial scale). */
function applyBounds(config: DeciderConfig, desired: number, initialized: boolean): number {
  const floor = initialized ? config.minInstances : Math.max(config.minInstances, config.initialInstances);
  return Math.min(Math.max(desired, floor), Math.max(config.maxInstances, floor));
}

/**
 * The desired instance count at `nowMs` given `readyCount` ready instances.
 *
 * Worked example (target 1, utilization 70 %, 10 requests in flight for a whole
 * stable window, 10 ready): desiredStable = ceil(10 / 0.7) = 15; desiredPanic
 * = 15; 15 / 10 < 2 so no panic; rate limits ceil(1000 × 10) and floor(10 / 2)
 * leave 15; bounds leave 15.
 */
export function decide(config: DeciderConfig, state: DeciderState, readyCount: number, nowMs: number): Decision {
  const initialized = state.initialized || readyCount >= config.initialInstances;
  const stableAverage = windowAverage(state.stable, config.stableWindowMs, nowMs);
  const panicAverage = windowAverage(state.panic, config.panicWindowMs, nowMs);
  const excessBurstCapacity = excessBurstCapacityOf(config, readyCount, panicAverage);
  if (windowIsEmpty(state.stable, config.stableWindowMs, nowMs)) {
    // Knative returns "no valid scale" without data and leaves the count alone.
    const desired = applyBounds(config, state.desired, initialized);
    const panic = state.panicAtMs !== undefined;
    return { desired, panic, stableAverage, panicAverage, excessBurstCapacity, state: { ...state, initialized, desired } };
  }

  // Zero ready counts as one, so a revision at zero can scale up and the panic ratio stays finite.
  const ready = Math.max(1, readyCount);
  const maxScaleUp = Math.ceil(config.maxScaleUpRate * ready);
  const maxScaleDown = Math.floor(ready / config.maxScaleDownRate);
  const stableWanted = ceilCount(stableAverage / config.targetValue);
  const panicWanted = ceilCount(panicAverage / config.targetValue);
  let desiredStable = Math.min(Math.max(stableWanted, maxScaleDown), maxScaleUp);
  let desiredPanic = Math.min(Math.max(panicWanted, maxScaleDown), maxScaleUp);
  if (stableWanted > 0) desiredStable = Math.max(desiredStable, config.activationScale);
  if (panicWanted > 0) desiredPanic = Math.max(desiredPanic, config.activationScale);

  const overThreshold = panicWanted / ready >= config.panicThreshold / 100;
  let panicAtMs = state.panicAtMs;
  let maxPanicInstances = state.maxPanicInstances;
  if (overThreshold) {
    panicAtMs = nowMs;
  } else if (panicAtMs !== undefined && panicAtMs + config.stableWindowMs < nowMs) {
    // The surge has had a whole stable window to show up in the stable average.
    panicAtMs = undefined;
    maxPanicInstances = 0;
  }

  let desired = desiredStable;
  if (panicAtMs !== undefined) {
    // Provision for the larger of the two, and never scale down while panicking.
    maxPanicInstances = Math.max(maxPanicInstances, desiredStable, desiredPanic);
    desired = maxPanicInstances;
  }

  let recent = state.recent;
  if (config.scaleDownDelayMs > 0) {
    recent = [...recent.filter((r) => r.atMs > nowMs - config.scaleDownDelayMs), { atMs: nowMs, desired }];
    desired = Math.max(...recent.map((r) => r.desired));
  }

  desired = applyBounds(config, desired, initialized);
  // The grace period (since the last traffic) and the retention period (since the first decision of zero)
  // both keep the last instance; a revision already at zero (or started at zero) stays there.
  const wantsZero = desired === 0 && state.desired > 0;
  const zeroSinceMs = wantsZero ? (state.zeroSinceMs ?? nowMs) : undefined;
  if (
    zeroSinceMs !== undefined &&
    (nowMs - state.lastTrafficMs < config.scaleToZeroGracePeriodMs || nowMs - zeroSinceMs < config.scaleToZeroPodRetentionMs)
  ) {
    desired = 1;
  }

  return {
    desired,
    panic: panicAtMs !== undefined,
    stableAverage,
    panicAverage,
    excessBurstCapacity,
    state: { ...state, panicAtMs, maxPanicInstances, recent, initialized, desired, zeroSinceMs: desired === 0 ? undefined : zeroSinceMs },
  };
}

/**
 * Knative's excess burst capacity: ready × target (before utilization) − the
 * burst capacity − the panic-window load, floored; 0 when the burst capacity
 * is 0 (the activator only at zero), -1 when it is unlimited (always).
 */
function excessBurstCapacityOf(config: DeciderConfig, readyCount: number, panicAverage: number): number {
  if (config.targetBurstCapacity === 0) return 0;
  if (config.targetBurstCapacity < 0) return -1;
  return Math.floor(readyCount * config.target - config.targetBurstCapacity - panicAverage);
}

/**
 * The per-revision settings of the KPA decider, their defaults, and how they
 * resolve into the numbers `decide` works with. Defaults are Knative
 * Serving's (`config-autoscaler` and the `autoscaling.knative.dev/*`
 * annotations) except where one machine needs another value; each says so.
 * Percentages are written as percent (70, not 0.7) like Knative's annotations,
 * so they export to Knative unchanged.
 */

/** What a revision may set; every field is optional and falls back to `KPA_DEFAULTS`. */
export interface DeciderSettings {
  /**
   * What the samples measure (`autoscaling.knative.dev/metric`): requests in
   * flight (`concurrency`, default) or requests per second (`rps`).
   */
  metric?: 'concurrency' | 'rps';
  /**
   * Per-instance value the scaler aims for before utilization. Knative
   * `autoscaling.knative.dev/target`; default `container-concurrency-target-default` = 100,
   * or `concurrency` when only that is set, never above `concurrency`; with
   * metric rps, `requests-per-second-target-default` = 200.
   */
  target?: number;
  /** Hard per-instance limit (Knative `containerConcurrency`); 0 or absent = no limit. */
  concurrency?: number;
  /** Percent of `target` to aim at (`target-utilization-percentage`), default 70. */
  utilization?: number;
  /** Window of the stable average (`autoscaling.knative.dev/window`), default 60 s. */
  stableWindowMs?: number;
  /** Panic window as percent of the stable window (`panic-window-percentage`), default 10 (→ 6 s). */
  panicWindowPercentage?: number;
  /** Panic when desired panic count / ready ≥ this percent (`panic-threshold-percentage`), default 200. */
  panicThreshold?: number;
  /** At most ceil(rate × ready) instances after one decision (`max-scale-up-rate`), default 1000. */
  maxScaleUpRate?: number;
  /** At least floor(ready / rate) instances after one decision (`max-scale-down-rate`), default 2. */
  maxScaleDownRate?: number;
  /** Scale down to the highest count decided within this window (`scale-down-delay`), default 0. */
  scaleDownDelayMs?: number;
  /** Lower bound (`min-scale`), default 0: scale to zero allowed, as in Knative and Cloud Run. */
  minInstances?: number;
  /**
   * Upper bound (`max-scale`). Knative's default 0 means unbounded; one machine
   * has a few cores, so here the default is 10, the same as `scaling.maxInstances` in mlaas.yaml.
   */
  maxInstances?: number;
  /** No traffic for at least this long before the last instance may go (`scale-to-zero-grace-period`), default 30 s. */
  scaleToZeroGracePeriodMs?: number;
  /** Instances started when traffic arrives at zero (`activation-scale`), default 1. */
  activationScale?: number;
  /**
   * Requests beyond the target the ready instances must be able to absorb
   * (`target-burst-capacity`), default 200; -1 = unlimited (the activator
   * always holds requests), 0 = the activator only at zero instances.
   */
  targetBurstCapacity?: number;
  /** Once the decision is zero, the last instance stays at least this long (`scale-to-zero-pod-retention-period`), default 0. */
  scaleToZeroPodRetentionMs?: number;
  /** Instances a new revision starts with, held until reached once (`initial-scale`), default 1. */
  initialInstances?: number;
}

/** Settings with every default filled in, plus the derived numbers. Frozen. */
export interface DeciderConfig extends Readonly<Required<Omit<DeciderSettings, 'target' | 'concurrency'>>> {
  /** Per-instance target after the `concurrency` cap, before utilization (Knative's `total`). */
  readonly target: number;
  /** 0 = no hard limit. */
  readonly concurrency: number;
  /** Concurrency one instance should carry: target × utilization, at least 0.01 (Knative's `TargetValue`). */
  readonly targetValue: number;
  readonly panicWindowMs: number;
}

export const KPA_DEFAULTS = Object.freeze({
  metric: 'concurrency' as 'concurrency' | 'rps',
  target: 100,
  rpsTarget: 200,
  utilization: 70,
  stableWindowMs: 60_000,
  panicWindowPercentage: 10,
  panicThreshold: 200,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  scaleDownDelayMs: 0,
  minInstances: 0,
  maxInstances: 10,
  scaleToZeroGracePeriodMs: 30_000,
  activationScale: 1,
  initialInstances: 1,
  targetBurstCapacity: 200,
  scaleToZeroPodRetentionMs: 0,
});

/** Knative's `autoscaling.TargetMin`: keeps the division in `decide` finite. */
const TARGET_MIN = 0.01;

/**
 * Fills in defaults and derives `targetValue` and `panicWindowMs` the way
 * Knative's `ResolveMetricTarget` and decider spec do. Assumes the values were
 * range-checked where they were read (the mlaas.yaml schema).
 *
 * @example
 * resolveDeciderConfig({ concurrency: 10 }).targetValue // 10 × 70% = 7
 */
export function resolveDeciderConfig(settings: DeciderSettings = {}): DeciderConfig {
  const metric = settings.metric ?? KPA_DEFAULTS.metric;
  const concurrency = settings.concurrency ?? 0;
  // The hard limit caps a concurrency target only: requests per second are another unit (Knative's ResolveMetricTarget).
  const requested = settings.target ?? (metric === 'rps' ? KPA_DEFAULTS.rpsTarget : concurrency > 0 ? concurrency : KPA_DEFAULTS.target);
  const target = metric === 'concurrency' && concurrency > 0 ? Math.min(requested, concurrency) : requested;
  const utilization = settings.utilization ?? KPA_DEFAULTS.utilization;
  const stableWindowMs = settings.stableWindowMs ?? KPA_DEFAULTS.stableWindowMs;
  const panicWindowPercentage = settings.panicWindowPercentage ?? KPA_DEFAULTS.panicWindowPercentage;
  return Object.freeze({
    metric,
    target,
    concurrency,
    utilization,
    // Multiply before dividing: 100 × 70 / 100 is exactly 70, 100 × (70 / 100) need not be.
    targetValue: Math.max(TARGET_MIN, (target * utilization) / 100),
    stableWindowMs,
    panicWindowPercentage,
    panicWindowMs: (stableWindowMs * panicWindowPercentage) / 100,
    panicThreshold: settings.panicThreshold ?? KPA_DEFAULTS.panicThreshold,
    maxScaleUpRate: settings.maxScaleUpRate ?? KPA_DEFAULTS.maxScaleUpRate,
    maxScaleDownRate: settings.maxScaleDownRate ?? KPA_DEFAULTS.maxScaleDownRate,
    scaleDownDelayMs: settings.scaleDownDelayMs ?? KPA_DEFAULTS.scaleDownDelayMs,
    minInstances: settings.minInstances ?? KPA_DEFAULTS.minInstances,
    maxInstances: settings.maxInstances ?? KPA_DEFAULTS.maxInstances,
    scaleToZeroGracePeriodMs: settings.scaleToZeroGracePeriodMs ?? KPA_DEFAULTS.scaleToZeroGracePeriodMs,
    activationScale: settings.activationScale ?? KPA_DEFAULTS.activationScale,
    initialInstances: settings.initialInstances ?? KPA_DEFAULTS.initialInstances,
    targetBurstCapacity: settings.targetBurstCapacity ?? KPA_DEFAULTS.targetBurstCapacity,
    scaleToZeroPodRetentionMs: settings.scaleToZeroPodRetentionMs ?? KPA_DEFAULTS.scaleToZeroPodRetentionMs,
  });
}

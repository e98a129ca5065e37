/**
 * The autoscaler: Knative KPA semantics as a pure decider per revision, and
 * the loop that feeds it in-flight samples and reports desired instance counts.
 */
export { AutoscalerLoop, type AutoscalerLoopOptions, type IntervalScheduler, type ScaledRevision, type ScaleStatus } from './autoscaler-loop.js';
export { KPA_DEFAULTS, resolveDeciderConfig, type DeciderConfig, type DeciderSettings } from './decider-config.js';
export { decide, initialDeciderState, recordConcurrency, type Decision, type DeciderState } from './kpa-decider.js';
export { ColdStartLog, type ColdStartSummary } from './cold-start-log.js';

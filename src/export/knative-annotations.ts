/**
 * The one table between mlaas's `services.S.scaling` and Knative's
 * `autoscaling.knative.dev/*` annotations (names and value rules as in
 * knative/serving pkg/apis/autoscaling register.go and
 * annotation_validation.go), plus the `mlaas.dev/*` annotations that carry
 * what Knative has no field for. Export writes with it and import reads with
 * it, so the two cannot drift.
 */
import type { ServiceConfig } from '../config/index.js';
import { KPA_DEFAULTS } from '../autoscaler/decider-config.js';

export const AUTOSCALING = 'autoscaling.knative.dev';
/** mlaas implements Knative's KPA, so that is the class every export names. */
export const KPA_CLASS = 'kpa.autoscaling.knative.dev';
export const CLASS_ANNOTATION = `${AUTOSCALING}/class`;

type Scaling = ServiceConfig['scaling'];

/** How a value is written: an integer, a float, or a Go duration (`60s`, `500ms`) of a setting kept in ms. */
export type AnnotationValue = 'integer' | 'number' | 'duration' | 'seconds-duration' | 'metric';

export interface ScalingAnnotation {
  field: keyof Scaling;
  /** Knative's name after `autoscaling.knative.dev/`. */
  key: string;
  /** The older camelCase spelling Knative still reads (and Cloud Run's only one for min/max scale). */
  camel?: string;
  value: AnnotationValue;
  /** True for settings with a schema default: always written, so that import gives back the same ServiceConfig. */
  always: boolean;
  /** Cloud Run reads it (as `camel`); every other one is listed as not carried over on Cloud Run. */
  cloudRun: boolean;
  /** What Knative does without the annotation; a value equal to it is not a feature in use. */
  knativeDefault?: number | string;
}

export const SCALING_ANNOTATIONS: readonly ScalingAnnotation[] = [
  { field: 'minInstances', key: 'min-scale', camel: 'minScale', value: 'integer', always: true, cloudRun: true, knativeDefault: 0 },
  // Knative's own default is 0 (unbounded); mlaas's 10 is always written, so it carries over exactly.
  { field: 'maxInstances', key: 'max-scale', camel: 'maxScale', value: 'integer', always: true, cloudRun: true },
  { field: 'initialInstances', key: 'initial-scale', camel: 'initialScale', value: 'integer', always: true, cloudRun: false, knativeDefault: KPA_DEFAULTS.initialInstances },
  { field: 'metric', key: 'metric', value: 'metric', always: false, cloudRun: false, knativeDefault: KPA_DEFAULTS.metric },
  { field: 'target', key: 'target', value: 'number', always: false, cloudRun: false },
  {
    field: 'utilization',
    key: 'target-utilization-percentage',
    camel: 'targetUtilizationPercentage',
    value: 'number',
    always: true,
    cloudRun: false,
    knativeDefault: KPA_DEFAULTS.utilization,
  },
  { field: 'stableWindow', key: 'window', value: 'seconds-duration', always: true, cloudRun: false, knativeDefault: KPA_DEFAULTS.stableWindowMs },
  {
    field: 'panicWindowPercentage',
    key: 'panic-window-percentage',
    camel: 'panicWindowPercentage',
    value: 'number',
    always: false,
    cloudRun: false,
    knativeDefault: KPA_DEFAULTS.panicWindowPercentage,
  },
  {
    field: 'panicThresholdPercentage',
    key: 'panic-threshold-percentage',
    camel: 'panicThresholdPercentage',
    value: 'number',
    always: false,
    cloudRun: false,
    knativeDefault: KPA_DEFAULTS.panicThreshold,
  },
  { field: 'activationScale', key: 'activation-scale', value: 'integer', always: false, cloudRun: false, knativeDefault: KPA_DEFAULTS.activationScale },
  {
    field: 'targetBurstCapacity',
    key: 'target-burst-capacity',
    camel: 'targetBurstCapacity',
    value: 'number',
    always: false,
    cloudRun: false,
    knativeDefault: KPA_DEFAULTS.targetBurstCapacity,
  },
  {
    field: 'scaleToZeroPodRetentionPeriod',
    key: 'scale-to-zero-pod-retention-period',
    camel: 'scaleToZeroPodRetentionPeriod',
    value: 'duration',
    always: false,
    cloudRun: false,
    knativeDefault: KPA_DEFAULTS.scaleToZeroPodRetentionMs,
  },
  {
    field: 'scaleDownDelay',
    key: 'scale-down-delay',
    camel: 'scaleDownDelay',
    value: 'seconds-duration',
    always: true,
    cloudRun: false,
    knativeDefault: KPA_DEFAULTS.scaleDownDelayMs,
  },
];

/** Knative annotations mlaas has no setting for: import refuses them by path. */
export const UNMAPPED_AUTOSCALING = new Set([`${AUTOSCALING}/metric-aggregation-algorithm`, `${AUTOSCALING}/metricAggregationAlgorithm`]);

/** Knative refuses activation-scale below 2 and below min-scale; there it changes nothing, so `carriedKey` carries it. */
export function knativeTakesActivationScale(scaling: Scaling): boolean {
  return scaling.activationScale !== undefined && scaling.activationScale >= 2 && scaling.activationScale >= scaling.minInstances;
}

/** The `mlaas.dev/` annotations: mlaas-only settings that survive export → `apply -f` (Knative and Cloud Run ignore them). */
export const MLAAS = {
  source: 'mlaas.dev/source',
  runtime: 'mlaas.dev/runtime',
  drainTimeoutSeconds: 'mlaas.dev/drain-timeout-seconds',
  readinessTimeoutSeconds: 'mlaas.dev/readiness-timeout-seconds',
  scaleToZeroAfter: 'mlaas.dev/scale-to-zero-after',
  envInherit: 'mlaas.dev/env-inherit',
  overridable: 'mlaas.dev/overridable',
  onnx: 'mlaas.dev/onnx',
  /** mlaas's routing beside Knative's targets: sticky, tenantTags, flagTag, mirror (JSON). */
  traffic: 'mlaas.dev/traffic',
  /** A value the target cannot hold as mlaas means it (Cloud Run's containerConcurrency 0): the mlaas value. */
  concurrency: 'mlaas.dev/container-concurrency',
  /** `gateway` on mlaas's own gateway as a Knative Service (render-gateway-service.ts). */
  role: 'mlaas.dev/role',
} as const;

/** `models.mlaas.dev/<modelName>: spam@production`. */
export const MODEL_ANNOTATION_PREFIX = 'models.mlaas.dev/';

/** The port every exported container listens on ($PORT is set to it by Knative and Cloud Run). */
export const CONTAINER_PORT = 8080;

/** Milliseconds → a Go duration Knative parses: `60s` when whole seconds, else `1500ms`. */
export function goDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const GO_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`1m30s`, `500ms`, `0`) → milliseconds, or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g) : null;
  if (parts === null) return undefined;
  let ms = 0;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)(.+)$/.exec(part) as RegExpExecArray;
    ms += Number(m[1]) * (GO_UNIT_MS[m[2] as string] as number);
  }
  return ms;
}

/** A scaling value as its annotation writes it; durations are whole seconds where Knative wants them (`roundedMs` says when rounded). */
export function annotationText(entry: ScalingAnnotation, value: number | string): { text: string; rounded: boolean } {
  if (entry.value === 'duration') return { text: goDuration(value as number), rounded: false };
  if (entry.value === 'seconds-duration') {
    const seconds = Math.round((value as number) / 1000);
    return { text: `${seconds}s`, rounded: seconds * 1000 !== value };
  }
  return { text: String(value), rounded: false };
}

/** Where Cloud Run, which reads no other autoscaling annotation, carries a setting for the way back: `mlaas.dev/window`. */
export function carriedKey(entry: ScalingAnnotation): string {
  return `mlaas.dev/${entry.key}`;
}

/** The spelling a target reads: Cloud Run only the camelCase min/max scale, Knative the kebab-case names. */
export function annotationKey(entry: ScalingAnnotation, target: 'knative' | 'cloudrun'): string {
  return `${AUTOSCALING}/${target === 'cloudrun' && entry.camel !== undefined ? entry.camel : entry.key}`;
}

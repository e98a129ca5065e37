/**
 * The revision template's annotations of a Knative Service → mlaas settings,
 * read with the same table export writes with (knative-annotations.ts):
 * Knative's autoscaling annotations in either spelling, Cloud Run's carried
 * `mlaas.dev/<key>` ones, the model references and the other `mlaas.dev/*`.
 */
import { CLASS_ANNOTATION, KPA_CLASS, MLAAS, MODEL_ANNOTATION_PREFIX, SCALING_ANNOTATIONS, UNMAPPED_AUTOSCALING, AUTOSCALING, carriedKey, parseGoDuration } from './knative-annotations.js';
import { isMap, type Issues, type Origins } from './import-issues.js';

export interface TemplateSettings {
  input: Record<string, unknown>;
  /** `mlaas.dev/container-concurrency`: the mlaas value Cloud Run's containerConcurrency could not hold. */
  carriedConcurrency?: number;
  /** `mlaas.dev/readiness-timeout-seconds`. */
  readinessTimeoutSeconds?: number;
}

type Other = (issues: Issues, key: string, value: string, at: string) => void;

const AT = 'spec.template.metadata.annotations';

export function importTemplateAnnotations(annotations: Record<string, string>, issues: Issues, origins: Origins, other: Other): TemplateSettings {
  const scaling: Record<string, unknown> = {};
  const input: Record<string, unknown> = { scaling };
  const settings: TemplateSettings = { input };
  const used = new Set<string>();
  for (const entry of SCALING_ANNOTATIONS) {
    const keys = [`${AUTOSCALING}/${entry.key}`, ...(entry.camel === undefined ? [] : [`${AUTOSCALING}/${entry.camel}`]), carriedKey(entry)];
    const present = keys.filter((k) => annotations[k] !== undefined);
    present.forEach((k) => used.add(k));
    if (present.length > 1) issues.add(`${AT}.${present[1] as string}`, `${entry.field} is already set by ${present[0] as string}`);
    const key = present[0];
    if (key === undefined) continue;
    const text = annotations[key] as string;
    const at = `${AT}.${key}`;
    origins.set(`scaling.${entry.field}`, at);
    if (entry.value === 'metric') scaling[entry.field] = text;
    else if (entry.value === 'duration' || entry.value === 'seconds-duration') {
      const ms = parseGoDuration(text);
      if (ms === undefined) issues.add(at, `expected a duration such as 60s or 1m30s, got ${JSON.stringify(text)}`);
      else scaling[entry.field] = mlaasDuration(text, ms);
    } else {
      const n = issues.number(text, at);
      if (n !== undefined) scaling[entry.field] = n;
    }
  }
  const models: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (used.has(key)) continue;
    const at = `${AT}.${key}`;
    if (key === CLASS_ANNOTATION) {
      if (value !== KPA_CLASS) issues.add(at, `mlaas autoscales as Knative's KPA only (${KPA_CLASS}), got ${JSON.stringify(value)}`);
    } else if (UNMAPPED_AUTOSCALING.has(key)) {
      issues.add(at, 'not supported by mlaas: its autoscaler averages linearly over the window');
    } else if (key.startsWith(MODEL_ANNOTATION_PREFIX)) {
      const name = key.slice(MODEL_ANNOTATION_PREFIX.length);
      models[name] = value;
      origins.set(`models.${name}`, at);
    } else if (!mlaasAnnotation(key, value, at, input, settings, issues, origins)) {
      other(issues, key, value, at);
    }
  }
  if (Object.keys(models).length > 0) input['models'] = models;
  return settings;
}

/** mlaas.yaml's spelling of a Go duration: as written when it is one unit (`60s`), so that messages quote it, else in ms. */
function mlaasDuration(text: string, ms: number): string {
  return /^\d+(?:\.\d+)?(?:ms|s|m|h)$/.test(text) ? text : `${ms}ms`;
}

/** The `mlaas.dev/*` settings of the template; false for a key that is none of them. */
function mlaasAnnotation(key: string, value: string, at: string, input: Record<string, unknown>, settings: TemplateSettings, issues: Issues, origins: Origins): boolean {
  const scaling = input['scaling'] as Record<string, unknown>;
  switch (key) {
    case MLAAS.runtime:
      if (value !== 'onnx') issues.add(at, `expected onnx (runtime process is the default and needs no annotation), got ${JSON.stringify(value)}`);
      input['runtime'] = 'onnx';
      origins.set('runtime', at);
      return true;
    case MLAAS.onnx:
      input['onnx'] = issues.json(value, at, isMap);
      origins.set('onnx', at);
      return true;
    case MLAAS.drainTimeoutSeconds:
      input['drainTimeoutSeconds'] = issues.number(value, at);
      origins.set('drainTimeoutSeconds', at);
      return true;
    case MLAAS.readinessTimeoutSeconds: {
      const seconds = issues.number(value, at);
      if (seconds !== undefined) settings.readinessTimeoutSeconds = seconds;
      origins.set('readiness.timeoutSeconds', at);
      return true;
    }
    case MLAAS.scaleToZeroAfter: {
      const ms = parseGoDuration(value);
      if (ms === undefined) issues.add(at, `expected a duration such as 30s, got ${JSON.stringify(value)}`);
      else scaling['scaleToZeroAfter'] = mlaasDuration(value, ms);
      origins.set('scaling.scaleToZeroAfter', at);
      return true;
    }
    case MLAAS.envInherit:
      input['env'] = { inherit: value.split(',').map((s) => s.trim()) };
      origins.set('env.inherit', at);
      return true;
    case MLAAS.overridable:
      input['overridable'] = issues.json(value, at, (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string'));
      origins.set('overridable', at);
      return true;
    case MLAAS.concurrency: {
      const n = issues.number(value, at);
      if (n !== undefined) settings.carriedConcurrency = n;
      return true;
    }
    default:
      return false;
  }
}

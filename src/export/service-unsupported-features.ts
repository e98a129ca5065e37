/**
 * The settings of one service that Knative or Cloud Run has no equivalent
 * for, each by its mlaas.yaml path: what DIR/README.md lists as not carried
 * over. Only settings in use count: a value equal to what the target does
 * anyway (Knative's default, or mlaas's default where the target has no such
 * setting at all) is not listed.
 */
import type { ServiceConfig } from '../config/index.js';
import type { ExportTarget, UnsupportedFeature } from './export-types.js';
import { SCALING_ANNOTATIONS } from './knative-annotations.js';

/** mlaas's defaults of the settings Knative has no per-service field for (service-schema.ts). */
const DEFAULT_SCALE_TO_ZERO_AFTER_MS = 30_000;
const DEFAULT_DRAIN_SECONDS = 10;
const DEFAULT_READINESS_SECONDS = 30;
/** Cloud Run's bounds: containerConcurrency 1–1000, a startup probe's failureThreshold × periodSeconds within 240 s. */
export const CLOUD_RUN_MAX_CONCURRENCY = 1000;
export const CLOUD_RUN_MAX_STARTUP_SECONDS = 240;

export function unsupportedFeatures(name: string, config: ServiceConfig, target: ExportTarget): UnsupportedFeature[] {
  const at = (field: string) => `services.${name}.${field}`;
  const out: UnsupportedFeature[] = [];
  const add = (field: string, detail: string) => out.push({ path: at(field), detail });
  const { scaling } = config;
  const cloudRun = target === 'cloudrun';

  for (const entry of SCALING_ANNOTATIONS) {
    const value = scaling[entry.field];
    if (value === undefined || value === entry.knativeDefault) continue;
    if (cloudRun && !entry.cloudRun) {
      add(`scaling.${entry.field}`, `Cloud Run has no autoscaling.knative.dev/${entry.key}; its own autoscaler decides (kept as an mlaas.dev annotation)`);
    } else if (!cloudRun && entry.value === 'seconds-duration' && (value as number) % 1000 !== 0) {
      add(`scaling.${entry.field}`, `Knative takes autoscaling.knative.dev/${entry.key} in whole seconds: written rounded to ${Math.round((value as number) / 1000)}s`);
    }
  }
  if (!cloudRun && scaling.initialInstances === 0) {
    add('scaling.initialInstances', 'Knative takes initial-scale 0 only where the cluster allows it (allow-zero-initial-scale in the config-autoscaler ConfigMap)');
  }
  if (scaling.scaleToZeroAfter !== DEFAULT_SCALE_TO_ZERO_AFTER_MS) {
    add(
      'scaling.scaleToZeroAfter',
      cloudRun
        ? 'Cloud Run decides itself how long an idle instance stays'
        : 'Knative sets this only cluster-wide (scale-to-zero-grace-period in the config-autoscaler ConfigMap, default 30s)',
    );
  }
  if (cloudRun && (scaling.concurrency === 0 || scaling.concurrency > CLOUD_RUN_MAX_CONCURRENCY)) {
    add('scaling.concurrency', `Cloud Run has no unlimited containerConcurrency and allows at most ${CLOUD_RUN_MAX_CONCURRENCY}: written as ${CLOUD_RUN_MAX_CONCURRENCY}`);
  }
  if (config.drainTimeoutSeconds !== DEFAULT_DRAIN_SECONDS) {
    add(
      'drainTimeoutSeconds',
      cloudRun
        ? 'Cloud Run gives an instance 10 s after SIGTERM, not configurable'
        : "Knative gives an instance the revision's timeoutSeconds after SIGTERM (terminationGracePeriodSeconds is not settable)",
    );
  }
  const readiness = config.readiness.timeoutSeconds;
  if (cloudRun ? !Number.isInteger(readiness) || readiness > CLOUD_RUN_MAX_STARTUP_SECONDS : readiness !== DEFAULT_READINESS_SECONDS) {
    add(
      'readiness.timeoutSeconds',
      cloudRun
        ? `the startup probe counts whole seconds up to ${CLOUD_RUN_MAX_STARTUP_SECONDS}: written as ${Math.min(Math.ceil(readiness), CLOUD_RUN_MAX_STARTUP_SECONDS)} s`
        : 'Knative has no deadline for one instance to become ready (only the revision’s progress deadline)',
    );
  }
  if (config.inheritEnv.length > 0) add('env.inherit', 'the target gives instances none of the platform’s environment: set these variables in env');
  if (config.overridable.length > 0) {
    add('overridable', 'x-mlaas-settings overrides need mlaas’s gateway in front (knative: services/mlaas-gateway.yaml); Google API Gateway passes none');
  }
  for (const [model, ref] of Object.entries(config.models)) {
    if (!/@\d+$/.test(ref)) add(`models.${model}`, `the image holds the version ${ref} names at export: moving the alias needs a new build`);
  }
  const traffic = config.traffic;
  if (traffic?.sticky === true) add('traffic.sticky', 'Knative and Cloud Run split traffic per request, not per tenant');
  if (traffic?.tenantTags !== undefined) add('traffic.tenantTags', 'Knative and Cloud Run know no tenants: reach a tag by its own URL');
  if (traffic?.flagTag !== undefined) add('traffic.flagTag', 'Knative and Cloud Run pick no revision by a feature flag');
  if (traffic?.mirror !== undefined) add('traffic.mirror', 'Knative and Cloud Run do not mirror requests to a tag');
  return out;
}

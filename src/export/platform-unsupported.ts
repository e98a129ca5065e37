/**
 * The platform-wide settings of mlaas.yaml the target has no per-declaration
 * equivalent for: revision garbage collection (Knative's is the cluster's
 * config-gc ConfigMap, Cloud Run's is fixed), the gateway's connection
 * limits (the target's ingress has its own), the user instances run as
 * (each image's USER) and the pool of pre-started runtimes (the target starts
 * every pod from its image). Listed only when set to other than mlaas's default.
 */
import { isDeepStrictEqual } from 'node:util';
import { MlaasConfigSchema } from '../config/mlaas-config-schema.js';
import { RevisionsSettingsSchema } from '../config/revision-gc-fields.js';
import { GATEWAY_TIMEOUTS } from '../http/listener.js';
import type { ExportInput, ExportOptions, UnsupportedFeature } from './export-types.js';
import { goDuration } from './knative-annotations.js';

const DEFAULT_GC = RevisionsSettingsSchema.parse({}).gc;
const DEFAULT_POOL = MlaasConfigSchema.shape.instances.parse({}).pool;

/** Knative's config-gc keys, by mlaas's names (the same settings, kebab-case). */
const CONFIG_GC_KEYS = {
  retainSinceCreateTime: 'retain-since-create-time',
  retainSinceLastActiveTime: 'retain-since-last-active-time',
  minNonActiveRevisions: 'min-non-active-revisions',
  maxNonActiveRevisions: 'max-non-active-revisions',
} as const;

export function platformUnsupported(input: ExportInput, options: ExportOptions): UnsupportedFeature[] {
  const { config } = input;
  const out: UnsupportedFeature[] = [];
  const gc = config.revisions.gc;
  if (!isDeepStrictEqual(gc, DEFAULT_GC)) {
    const settings = Object.entries(CONFIG_GC_KEYS)
      .map(([field, key]) => {
        const value = gc[field as keyof typeof CONFIG_GC_KEYS];
        return `${key}: "${typeof value === 'number' && field.startsWith('retain') ? goDuration(value) : String(value)}"`;
      })
      .join(', ');
    out.push({
      path: 'revisions.gc',
      detail:
        options.target === 'knative'
          ? `Knative collects revisions by the cluster's config-gc ConfigMap (namespace knative-serving), for every service at once: set ${settings} there.`
          : 'Cloud Run keeps up to 1000 revisions per service and deletes none by age or count: delete old ones with `gcloud run revisions delete`.',
    });
  }
  const connections = config.gateway.connections;
  const changed = Object.entries(GATEWAY_TIMEOUTS)
    .filter(([key, value]) => connections[key as keyof typeof GATEWAY_TIMEOUTS] !== value)
    .map(([key]) => key);
  if (connections.max !== undefined) changed.unshift('max');
  for (const key of changed) {
    out.push({
      path: `gateway.connections.${key}`,
      detail: `${options.target === 'knative' ? "The cluster's ingress" : 'Google API Gateway and Cloud Run'} keep their own connection limits and timeouts: this one does not carry over.`,
    });
  }
  if (config.instances.user !== undefined) {
    out.push({ path: 'instances.user', detail: 'Every image runs as user 65532 (its Dockerfile’s USER), whoever mlaas.yaml names.' });
  }
  if (config.instances.pool !== DEFAULT_POOL) {
    out.push({
      path: 'instances.pool',
      detail:
        options.target === 'knative'
          ? 'Knative starts every pod from its image and keeps no pre-started runtimes: keep cold starts away with a min-scale (autoscaling.knative.dev/min-scale) instead.'
          : 'Cloud Run starts every instance from its image and keeps no pre-started runtimes: keep cold starts away with --min-instances, or shorten them with --cpu-boost.',
    });
  }
  return out;
}

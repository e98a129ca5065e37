/**
 * The Cloud Build step that gives the cloudrun gateway document its real
 * URLs: once the services are deployed, it asks Cloud Run for each one's URL
 * (`gcloud run services describe --format 'value(status.url)'`) and puts it
 * where the document has `https://SERVICE-${_HASH}-${_REGION_CODE}.a.run.app`,
 * and `https://TAG---` + that host where it has a tag's URL (Cloud Run's tag
 * URLs, in both of its URL forms). Nobody has to know the project's hash or
 * region code, and the document is ready for `gcloud api-gateway api-configs
 * create` after it. Returned as data for the renderer of cloudbuild.yaml;
 * the script is written in Cloud Build's escaping: `$$` for the shell's `$`,
 * `${_REGION}` the one substitution it uses.
 */
import { parseBackendRule } from '../config/gateway-backend.js';
import type { ExportInput, ExportOptions } from './export-types.js';
import { AUDIENCE_SERVICE, eachBackendHolder } from './rewrite-gateway-document.js';
import { isJsonObject } from '../api/json-object.js';
import { cloudRunUrl } from './service-url.js';
import type { UrlMap } from './url-map.js';

export interface CloudBuildStep {
  id: string;
  name: string;
  entrypoint: string;
  args: string[];
  waitFor?: string[];
}

export const GATEWAY_URL_STEP_ID = 'gateway-urls';
const REGION = '\u0000REGION\u0000';

/**
 * Undefined when nothing is to be filled in: the knative target, a `--url-map`,
 * or a document that names no platform service.
 *
 * @example
 * const step = gatewayUrlStep(input, options, undefined, ['deploy-spam-filter']);
 * // cloudbuild.yaml: steps: [..., step]; substitutions: { _REGION: europe-west1 }
 */
export function gatewayUrlStep(input: ExportInput, options: ExportOptions, urls?: UrlMap, waitFor?: string[]): CloudBuildStep | undefined {
  if (options.target !== 'cloudrun' || urls !== undefined) return undefined;
  const used = servicesAndTags(input);
  if (used.size === 0) return undefined;
  const doc = input.documentName;
  const lines = ['set -euo pipefail', `text=$(cat '${doc}')`];
  for (const [service, tags] of [...used].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`url=$(gcloud run services describe ${service} --region ${REGION} --format 'value(status.url)')`);
    // Single quotes: bash matches the placeholder URL literally. Tags first: a tag URL contains its service's host.
    for (const tag of [...tags].sort()) lines.push(`text=\${text//'${cloudRunUrl(service, tag)}'/"https://${tag}---\${url#https://}"}`);
    lines.push(`text=\${text//'${cloudRunUrl(service, undefined)}'/"$url"}`);
  }
  lines.push(`printf '%s\\n' "$text" > '${doc}'`);
  const script = lines.join('\n').replaceAll('$', () => '$$').replaceAll(REGION, () => '${_REGION}');
  return {
    id: GATEWAY_URL_STEP_ID,
    name: 'gcr.io/google.com/cloudsdktool/cloud-sdk:slim',
    entrypoint: 'bash',
    args: ['-c', script],
    ...(waitFor === undefined ? {} : { waitFor }),
  };
}

/** Service → the tags the document reaches it by (its URL is replaced too when only tags are named). */
function servicesAndTags(input: ExportInput): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  eachBackendHolder(structuredClone(input.documentSource), (holder, at, level) => {
    const raw = holder['x-google-backend'];
    const rule = parseBackendRule(raw, at, level, undefined, []);
    if (rule?.backend.kind !== 'service') return;
    const note = (service: string, tag?: string) => {
      const tags = used.get(service) ?? new Set<string>();
      if (tag !== undefined) tags.add(tag);
      used.set(service, tags);
    };
    note(rule.backend.service, rule.backend.tag);
    // A `jwt_audience: mlaas://OTHER` became OTHER's URL.
    const audience = isJsonObject(raw) && typeof raw.jwt_audience === 'string' ? AUDIENCE_SERVICE.exec(raw.jwt_audience) : null;
    if (audience?.[1] !== undefined) note(audience[1]);
  });
  return used;
}

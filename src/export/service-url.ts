/**
 * Where a service (or one of its tags) answers on the export target, as the
 * gateway document's rewritten `mlaas://SERVICE[@TAG]` addresses name it:
 * Knative's cluster-local address (`http://SERVICE.NAMESPACE.svc.cluster.local`,
 * a tag at `http://TAG-SERVICE.…` by Knative's default tag template
 * `{{.Tag}}-{{.Name}}`), Cloud Run's `https://SERVICE-${_HASH}-${_REGION_CODE}.a.run.app`
 * with placeholders that a build step fills in (a tag at `https://TAG---SERVICE-…`),
 * or the URL a `--url-map` file gives.
 */
import type { ExportOptions } from './export-types.js';
import type { UrlMap } from './url-map.js';

/** The Cloud Run placeholders: the same for every service of one project and region. */
export const CLOUD_RUN_HASH = '${_HASH}';
export const CLOUD_RUN_REGION_CODE = '${_REGION_CODE}';

/** The URL of `service` (of its `tag` when given) on the target, without a trailing slash. */
export function serviceUrl(service: string, tag: string | undefined, options: ExportOptions): string {
  if (options.target === 'knative') {
    const host = tag === undefined ? service : `${tag}-${service}`;
    return `http://${host}.${options.namespace}.svc.cluster.local`;
  }
  return cloudRunUrl(service, tag);
}

/** Cloud Run's URL with the `${_HASH}` and `${_REGION_CODE}` placeholders. */
export function cloudRunUrl(service: string, tag: string | undefined): string {
  const base = `${service}-${CLOUD_RUN_HASH}-${CLOUD_RUN_REGION_CODE}.a.run.app`;
  return tag === undefined ? `https://${base}` : `https://${tag}---${base}`;
}

/**
 * The map's URL: its `SERVICE@TAG` entry, else — for a `*.run.app` service
 * URL, whose tags Cloud Run serves at `TAG---` before the host — the tag URL
 * made from the `SERVICE` entry.
 */
export function mappedUrl(service: string, tag: string | undefined, urls: UrlMap): string | undefined {
  const exact = urls.get(tag === undefined ? service : `${service}@${tag}`);
  if (exact !== undefined || tag === undefined) return exact;
  const base = urls.get(service);
  if (base === undefined) return undefined;
  const url = new URL(base);
  if (!url.hostname.endsWith('.run.app')) return undefined;
  return `${url.protocol}//${tag}---${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * What mlaas's gateway does for the declaration that Google API Gateway (the
 * cloudrun target) or a gateway reading the exported document in the cluster
 * (the knative target) cannot: tenant routing, mirror, sticky splits,
 * mlaas's tenant quotas, x-mlaas-config, mlaas API keys, tags chosen by the
 * `x-mlaas-tag` header, and the rest found in src/config/gateway-*.ts. Only
 * what the declaration uses is listed, each where it is declared, so that
 * DIR/README.md says what is not carried over instead of dropping it. For
 * the knative target each entry says too whether the mlaas-gateway Knative
 * Service keeps it: it keeps tenancy (keys, quotas, config, flags) but
 * reaches the Knative Services by URL only, as outside backends.
 */
import { isJsonObject } from '../api/json-object.js';
import { formatPath } from '../api/zod-issues.js';
import type { ExportInput, ExportOptions, UnsupportedFeature } from './export-types.js';

const DEFAULT_MAX_BODY_BYTES = 1_048_576;

export function gatewayUnsupported(input: ExportInput, options: ExportOptions): UnsupportedFeature[] {
  const knative = options.target === 'knative';
  const google = knative ? "ESPv2 (Google's gateway, run in the cluster)" : 'Google API Gateway';
  const platform = knative ? 'Knative' : 'Cloud Run';
  /** For what only traffic routing inside mlaas does: the mlaas-gateway cannot do it either. */
  const routed = (text: string) => (knative ? `${text} (mlaas-gateway reaches the Knative Services by URL only, so it cannot either).` : `${text}.`);
  /** For tenancy: the mlaas-gateway keeps it. */
  const tenancy = (text: string, kept: string) => (knative ? `${text}; mlaas-gateway ${kept}.` : `${text}.`);
  const out: UnsupportedFeature[] = [];
  const add = (path: string, detail: string) => out.push({ path, detail });

  for (const service of input.services) {
    const at = `services.${service.name}.traffic`;
    const traffic = service.config.traffic;
    if (traffic?.tenantTags !== undefined && Object.keys(traffic.tenantTags).length > 0) {
      add(`${at}.tenantTags`, routed(`${google} cannot route by tenant: these tenants get the percent split like everyone else`));
    }
    if (traffic?.flagTag !== undefined) {
      add(`${at}.flagTag`, routed(`${google} evaluates no flag to pick a tag: flag ${traffic.flagTag} routes nobody`));
    }
    if (traffic?.mirror !== undefined) {
      add(`${at}.mirror`, routed(`No request is copied to tag ${traffic.mirror.tag}: neither ${platform} nor ${google} mirrors traffic`));
    }
    if (traffic?.sticky === true) {
      add(`${at}.sticky`, routed(`${platform} splits traffic per request, so one tenant's requests may reach different revisions`));
    }
    const targets = service.traffic ?? traffic?.targets ?? [];
    targets.forEach((target, i) => {
      if (target.tag === undefined) return;
      add(
        `${at}.targets[${i}].tag`,
        routed(`The x-mlaas-tag: ${target.tag} header picks nothing on the target: only the tag's own URL reaches it (mlaas://${service.name}@${target.tag} addresses are rewritten to it)`),
      );
    });
    if (service.config.overridable.length > 0) {
      add(`services.${service.name}.overridable`, routed(`No x-mlaas-settings override reaches the service: ${google} sends no x-mlaas-config`));
    }
  }

  for (const [id, tenant] of Object.entries(input.config.tenants).sort(([a], [b]) => a.localeCompare(b))) {
    const at = `tenants.${id}`;
    if (tenant.quota !== undefined) {
      add(`${at}.quota`, tenancy(`${google} has no per-tenant limit (its x-google-management quotas, carried over, count per consumer project)`, 'enforces it, counted in its one pod'));
    }
    if (tenant.keyQuota !== undefined) {
      add(`${at}.keyQuota`, tenancy(`${google} has no per-key limit of mlaas keys`, 'enforces it, counted in its one pod'));
    }
    if (Object.keys(tenant.config).length > 0) {
      add(`${at}.config`, tenancy(`Services get no x-mlaas-config from ${google}: the tenant's settings do not reach them`, 'still sends them'));
    }
    if (tenant.demoKey) {
      add(`${at}.demoKey`, tenancy(`${google} makes no demo key`, 'makes a new one at each start and prints it to its log'));
    }
  }
  if (input.config.flags !== undefined) {
    add('flags', tenancy(`${google} evaluates no flags: services get no flag values in x-mlaas-config`, 'still evaluates them per tenant'));
  }
  if (input.config.gateway.maxBodyBytes !== DEFAULT_MAX_BODY_BYTES) {
    add('gateway.maxBodyBytes', `${knative ? 'A gateway in the cluster' : 'Google API Gateway'} applies its own request size limit, not ${input.config.gateway.maxBodyBytes} bytes.`);
  }
  out.push(...documentUnsupported(input, google, tenancy));
  return out;
}

/** The document's mlaas-only parts: mlaas API keys, the tenant claim of a JWT, a JWKS read from a file. */
function documentUnsupported(input: ExportInput, google: string, tenancy: (text: string, kept: string) => string): UnsupportedFeature[] {
  const defs = input.documentSource.securityDefinitions;
  if (!isJsonObject(defs)) return [];
  const out: UnsupportedFeature[] = [];
  for (const [name, def] of Object.entries(defs)) {
    if (!isJsonObject(def)) continue;
    const at = (...rest: string[]) => `${input.documentName}: ${formatPath(['securityDefinitions', name, ...rest])}`;
    if (def.type === 'apiKey') {
      out.push({
        path: at(),
        detail: tenancy(
          `${google} checks Google Cloud API keys (made in the Cloud console and restricted to this API), not mlaas's mlk_ keys, and names no tenant from a key`,
          'checks mlaas keys but keeps them in its pod\'s own state: create them after each start with `kubectl exec … -- mlaas keys create`',
        ),
      });
    }
    if (def['x-mlaas-tenant-claim'] !== undefined) {
      out.push({ path: at('x-mlaas-tenant-claim'), detail: tenancy(`Removed: ${google} verifies the JWT but names no tenant from its claims`, 'still reads the tenant from the claim') });
    }
    const jwks = def['x-google-jwks_uri'];
    if (typeof jwks === 'string' && !/^https?:\/\//.test(jwks)) {
      out.push({ path: at('x-google-jwks_uri'), detail: `A local key-set file is mlaas's alone: Google fetches JWKS from a URL, so publish ${jwks} and put its URL here.` });
    }
  }
  return out;
}

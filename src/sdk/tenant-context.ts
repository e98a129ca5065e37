/**
 * Reads what the gateway says about a request: who the tenant is, its
 * resolved settings, the revision and the request id. Nothing here throws:
 * a missing or garbled header gives an empty value, never a crash.
 */
import { randomUUID } from 'node:crypto';
import { decodeConfigHeader } from '../api/service-contract.js';

export interface TenantContext {
  /** `x-request-id` from the gateway; a fresh UUID when the caller came straight in. */
  requestId: string;
  /** `x-mlaas-tenant`: the tenant the API key belongs to. */
  tenant: string | undefined;
  /** `x-mlaas-config`: the tenant's resolved settings; `{}` when absent or undecodable. */
  config: Record<string, unknown>;
  /** `x-mlaas-revision`: the revision this instance serves, as the gateway picked it. */
  revision: string | undefined;
}

/** A header's value, or undefined when it is absent or empty. */
export function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

export function requestIdOf(header: string | string[] | undefined): string {
  return single(header) ?? randomUUID();
}

/**
 * The JSON text of each config header seen lately that decodes to a
 * non-empty object; '' for one that decodes to `{}`. The gateway sends a
 * tenant the same header on every request, and parsing its JSON again costs
 * a fraction of decoding it (base64url, UTF-8, JSON, the depth check); a
 * fresh parse also keeps one request's changes to its config out of the next.
 */
const configTexts = new Map<string, string>();
/** Distinct headers remembered before the map starts over: a few per tenant an instance serves. */
const CONFIG_TEXTS_KEPT = 256;

/** The decoded `x-mlaas-config` header, a new object on every call. */
export function configOf(header: string | undefined): Record<string, unknown> {
  if (header === undefined) return {};
  let text = configTexts.get(header);
  if (text === undefined) {
    const config = decodeConfigHeader(header);
    // Decoded to an object with keys, the header is base64url of JSON text that parses to it again.
    text = Object.keys(config).length === 0 ? '' : Buffer.from(header, 'base64url').toString('utf8');
    if (configTexts.size === CONFIG_TEXTS_KEPT) configTexts.clear();
    configTexts.set(header, text);
    return config;
  }
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

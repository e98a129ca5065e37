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

/** The decoded `x-mlaas-config` header. */
export function configOf(header: string | undefined): Record<string, unknown> {
  return decodeConfigHeader(header);
}

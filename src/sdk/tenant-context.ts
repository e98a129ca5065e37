/**
 * Reads what the gateway says about a request: who the tenant is, its
 * resolved settings, the revision and the request id. Nothing here throws:
 * a missing or garbled header gives an empty value, never a crash.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CONFIG_HEADER, decodeConfigHeader, REQUEST_ID_HEADER, REVISION_HEADER, TENANT_HEADER } from '../api/service-contract.js';

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

function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

export function tenantContextOf(headers: IncomingHttpHeaders): TenantContext {
  return {
    requestId: single(headers[REQUEST_ID_HEADER]) ?? randomUUID(),
    tenant: single(headers[TENANT_HEADER]),
    config: decodeConfigHeader(single(headers[CONFIG_HEADER])),
    revision: single(headers[REVISION_HEADER]),
  };
}

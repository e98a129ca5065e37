/**
 * Reads what the gateway says about a request: who the tenant is, its
 * resolved settings, the revision and the request id. Nothing here throws:
 * a missing or garbled header gives an empty value, never a crash.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { pathDeeperThan } from '../json-depth.js';

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

/** Decodes base64url JSON into a plain object; anything else (or nested too deep to hand on safely) becomes `{}`. */
export function decodeConfig(header: string | undefined): Record<string, unknown> {
  if (header === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && pathDeeperThan(parsed) === undefined) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // A garbled header is the gateway's bug, not the caller's: serve with defaults.
  }
  return {};
}

export function tenantContextOf(headers: IncomingHttpHeaders): TenantContext {
  return {
    requestId: single(headers['x-request-id']) ?? randomUUID(),
    tenant: single(headers['x-mlaas-tenant']),
    config: decodeConfig(single(headers['x-mlaas-config'])),
    revision: single(headers['x-mlaas-revision']),
  };
}

/**
 * The contract between the gateway and a service, in one module both sides
 * import (the gateway that sets these headers, the SDK that reads them):
 * the headers a service receives and the `x-mlaas-config` codec. The
 * problem shape both answer errors in is src/errors.ts's (`PROBLEM_CONTENT_TYPE`).
 * docs/service-contract.md says the same for services written without the SDK.
 */
import { pathDeeperThan } from '../json-depth.js';

/** The request's id: the caller's when it sent one the gateway accepts, else the gateway's; echoed in every answer. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** The tenant the caller's key or token belongs to. */
export const TENANT_HEADER = 'x-mlaas-tenant';
/** The tenant's resolved settings and flags: base64url (no padding) of a JSON object (`encodeConfigHeader`). */
export const CONFIG_HEADER = 'x-mlaas-config';
/** The revision the gateway picked for this request. */
export const REVISION_HEADER = 'x-mlaas-revision';
/** Request settings a caller may send, in the same encoding as CONFIG_HEADER. */
export const SETTINGS_HEADER = 'x-mlaas-settings';

/** base64url(JSON), without padding: the form services and the SDK decode. */
export function encodeConfigHeader(config: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify(config), 'utf8').toString('base64url');
}

/**
 * Decodes CONFIG_HEADER into a plain object; anything else (or nested too
 * deep to hand on safely) becomes `{}`: a garbled header is the gateway's bug,
 * not the caller's, so the service serves with its defaults.
 */
export function decodeConfigHeader(header: string | undefined): Record<string, unknown> {
  if (header === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && pathDeeperThan(parsed) === undefined) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Not base64url JSON: the defaults, as above.
  }
  return {};
}

/**
 * One operation of the gateway document as the gateway serves it: method,
 * path template, backend rule, security, quota charges, and where it sits in
 * the document.
 */
import type { BackendRule } from './gateway-backend.js';
import type { QuotaCharge } from './gateway-quota.js';
import type { ApiKeyScheme, SecurityScheme } from './gateway-security.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface GatewayOperation extends BackendRule {
  /** Full path template including `basePath`, e.g. `/v1/users/{id}`. */
  path: string;
  method: HttpMethod;
  operationId?: string;
  /** OR of ANDs, like OpenAPI; `[]` means no authentication. */
  security: SecurityScheme[][];
  /**
   * Every API-key scheme of the document's `securityDefinitions`: where a
   * caller may put a key, which never reaches a backend, even from an
   * operation that checks none.
   */
  apiKeySchemes: ApiKeyScheme[];
  /** Where the operation sits in the document, e.g. `paths./v1/x.post`, for messages. */
  configPath: string;
  /** The document limits a request is charged against (`x-google-quota`); none when absent. */
  quota?: QuotaCharge[];
}

/**
 * The resource model both planes share — services, revisions, traffic,
 * tenants, keys — and the API key format. The gateway (data plane) and the
 * control plane import it; it imports neither.
 */
export * from './api-key.js';
export type { JsonObject } from './json-object.js';
export { isJsonObject } from './json-object.js';
export type * from './key.js';
export type * from './revision.js';
export type * from './service.js';
export type * from './tenant.js';
export type * from './traffic.js';

/**
 * The resource model both planes share — services, revisions, traffic,
 * tenants, keys: their records, and the schemas (types, defaults, validation
 * by field path) that mlaas.yaml, the admin API and the CLI read them with —
 * and the API key format; and the snapshot a gateway serves from
 * (gateway-snapshot.ts, data-plane.ts). The gateway (data plane) and the
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
export type * from './data-plane.js';
export { ServiceSchema, type ServiceConfig } from './service-schema.js';
export { TenantSchema, TenantSpecSchema } from './tenant-schema.js';
export { TrafficPolicySchema, TrafficSchema, type TrafficConfig } from './traffic-schema.js';
export { QuotaSchema } from './tenancy-fields.js';
export { DEFAULT_TRAFFIC, latestReadyRevision, resolveTraffic } from './traffic-resolution.js';
export { revisionLimits, type RevisionLimits } from './revision-limits.js';
export * from './gateway-snapshot.js';
export { GATEWAY_REPORT_PATH, GatewayReportSchema, type GatewayReport } from './gateway-report.js';

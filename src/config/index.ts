/**
 * Configuration: mlaas.yaml and the gateway document it points at, loaded,
 * validated (every problem with its field path) and resolved.
 */
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './load-config.js';
export { parseConfig, type ParseConfigOptions } from './parse-config.js';
export {
  MlaasConfigSchema,
  ServiceSchema,
  TenantSchema,
  type MlaasConfig,
  type ServiceConfig,
  type TenantConfig,
} from './mlaas-config-schema.js';
export { loadGatewayDocument, type LoadGatewayOptions } from './load-gateway-document.js';
export type { Environment } from './substitute-variables.js';
export {
  parseGatewayDocument,
  type GatewayDocument,
  type GatewayOperation,
  type HttpMethod,
  type ParseGatewayOptions,
} from './gateway-document.js';
export type { Backend, BackendRule, PathTranslation } from './gateway-backend.js';
export type { QuotaCharge } from './gateway-quota.js';
export { redactRedisUrl, type QuotaStoreSettings } from './quota-store-fields.js';
export type { ApiKeyScheme, JwtScheme, SecurityScheme } from './gateway-security.js';
export type { JwtLocation } from './jwt-locations.js';

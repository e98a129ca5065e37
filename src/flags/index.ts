/** Feature flags (flagd format, evaluated by flagd-core) and the per-tenant config services receive. */
export { FlagSet, type FlagEvaluation, type FlagSetOptions, type TenantEvaluationContext } from './flag-set.js';
export { FlagSetProvider } from './flag-set-provider.js';
export { flagsDocumentIssues } from './flags-document-issues.js';
export { loadFlagSet, type LoadFlagSetOptions } from './load-flag-set.js';
export {
  SETTINGS_HEADER,
  encodeConfigHeader,
  parseRequestSettings,
  resolveTenantConfig,
  type ResolvedRequestConfig,
} from './resolve-tenant-config.js';
export { TenantConfigCache, contextOf, type ResolvedTenantConfig, type TenantProfile } from './tenant-config-cache.js';

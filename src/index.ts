/**
 * The programmatic API of the mlaas package: load an mlaas.yaml and start a
 * platform from it (gateway, control plane and runtime in this process), as
 * `mlaas up` does. The SDK for services is `@mlaas/sdk` (also at `mlaas/sdk`).
 *
 * @example
 * import { loadConfig, startPlatform } from 'mlaas';
 * const platform = await startPlatform(await loadConfig('mlaas.yaml'), { gatewayPort: 0, adminPort: 0 });
 * console.log(platform.gatewayUrl, platform.demoKeys);
 * await platform.stop();
 */
export { startPlatform, ENDPOINT_FILE } from './platform.js';
export type { Platform, PlatformOptions, ReloadOutcome, ReloadTrigger, ServiceStartResult } from './platform.js';
export type { ReloadReport } from './control-plane/reload-report.js';
export { loadConfig, parseConfig } from './config/index.js';
export type { LoadConfigOptions, LoadedConfig, ParseConfigOptions } from './config/index.js';
export type { MlaasConfig } from './config/mlaas-config-schema.js';
export { MlaasError, ERROR_CODES, PROBLEM_CONTENT_TYPE } from './errors.js';
export type { ErrorCode, FieldIssue, Problem } from './errors.js';

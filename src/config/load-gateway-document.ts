/**
 * Reads the gateway document from disk: YAML (or JSON) → Swagger 2.0 check →
 * Google API Gateway semantics, with every problem reported at once.
 */
import { configError } from './config-error.js';
import { inspectGatewayDocument, type GatewayDocument, type ParseGatewayOptions } from './gateway-document.js';
import { parseYaml } from './parse-yaml.js';
import { readConfigFile } from './read-config-file.js';
import type { Environment } from './substitute-variables.js';
import { validateSwagger } from './validate-swagger.js';

export interface LoadGatewayOptions extends ParseGatewayOptions {
  /** Where `${VAR}` references are looked up (default: process.env). */
  env?: Environment;
  /** Filled in with name → value of each variable that was set and used. */
  variables?: Record<string, string>;
}

/**
 * @example
 * const doc = await loadGatewayDocument('api-gateway.yaml', { services: new Set(['spam-filter']) });
 */
export async function loadGatewayDocument(file: string, options: LoadGatewayOptions = {}): Promise<GatewayDocument> {
  const text = await readConfigFile(file, 'gateway document');
  const yaml = parseYaml(text, { env: options.env ?? process.env });
  if (!yaml.ok) throw configError('GATEWAY_DOC_INVALID', file, yaml.issues);
  Object.assign(options.variables ?? {}, yaml.variables);

  const { document, issues } = inspectGatewayDocument(yaml.value, options);
  // A document that is not Swagger 2.0 at all would only add noise from the schema check.
  const notSwagger = issues.some((i) => i.path === '' || i.path === 'swagger');
  const all = notSwagger ? issues : [...(await validateSwagger(yaml.value)), ...issues];
  if (all.length > 0) throw configError('GATEWAY_DOC_INVALID', file, all);
  return document;
}

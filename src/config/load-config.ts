/**
 * Loads an mlaas deployment from disk: mlaas.yaml, the directories it names,
 * and the gateway document it points at, cross-checked against each other.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FieldIssue } from '../errors.js';
import type { FlagSet } from '../flags/flag-set.js';
import { loadFlagSet } from '../flags/load-flag-set.js';
import { configError } from './config-error.js';
import type { GatewayDocument } from './gateway-document.js';
import { loadGatewayDocument } from './load-gateway-document.js';
import type { MlaasConfig } from './mlaas-config-schema.js';
import { parseConfig } from './parse-config.js';
import { readConfigFile } from './read-config-file.js';
import type { Environment } from './substitute-variables.js';

export interface LoadedConfig {
  config: MlaasConfig;
  gateway: GatewayDocument;
  /** The flags mlaas.yaml declares (inline or a flagd file); undefined when it has no `flags:`. */
  flags: FlagSet | undefined;
  /**
   * Name → value of every `${VAR}` the files used that was set (not those
   * that fell back to their default): what another process needs to read the
   * same files the same way.
   */
  variables: Record<string, string>;
  /**
   * Set when the file declares one service and nothing else (a Knative
   * Service YAML, `mlaas apply -f service.yaml`): plan and apply then touch
   * that service only and leave everything else as it runs.
   */
  only?: string;
  /** With `only`: the revision name its template gives (Knative's `spec.template.metadata.name`). */
  onlyRevisionName?: string;
}

export interface LoadConfigOptions {
  /** Where `${VAR}` references in mlaas.yaml, the gateway document and a flags file are looked up (default: process.env). */
  env?: Environment;
  /**
   * Services the gateway document may route to besides those mlaas.yaml
   * declares: a plan's live ones, which an apply without --prune keeps.
   */
  services?: Iterable<string>;
}

/**
 * Throws `CONFIG_NOT_FOUND`, `CONFIG_INVALID` or `GATEWAY_DOC_INVALID`, each
 * listing every problem with its field path.
 *
 * @example
 * const { config, gateway } = await loadConfig('mlaas.yaml');
 */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const variables: Record<string, string> = {};
  const configPath = path.resolve(file);
  const text = await readConfigFile(configPath, 'mlaas.yaml');
  const config = parseConfig(text, { baseDir: path.dirname(configPath), configPath, env, variables });

  const missing: FieldIssue[] = [];
  for (const [name, service] of Object.entries(config.services)) {
    if (!(await isDirectory(service.source))) {
      missing.push({ path: `services.${name}.source`, message: `expected a directory, found none at ${service.source}` });
    }
  }
  if (missing.length > 0) throw configError('CONFIG_INVALID', configPath, missing);

  const services = new Set([...Object.keys(config.services), ...(options.services ?? [])]);
  const gateway = await loadGatewayDocument(config.gateway.document, { services, env, variables });
  const flags = config.flags === undefined ? undefined : await loadFlagSet(config.flags, { baseDir: config.baseDir, configPath, env, variables });
  return { config, gateway, flags, variables };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

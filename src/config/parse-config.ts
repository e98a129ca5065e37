/**
 * The pure core of loadConfig: mlaas.yaml text → validated, defaulted config
 * with every relative path resolved against the file's directory. Reports
 * every problem at once, each with its field path.
 */
import path from 'node:path';
import { configError } from './config-error.js';
import { MlaasConfigSchema, type MlaasConfig } from './mlaas-config-schema.js';
import { parseYaml } from './parse-yaml.js';
import type { Environment } from './substitute-variables.js';
import { describeIssue, fieldIssuesOf } from '../api/zod-issues.js';

export interface ParseConfigOptions {
  /** Directory relative paths are resolved against (the file's directory). */
  baseDir: string;
  /** Path of the file, for messages and for `MlaasConfig.configPath`. */
  configPath: string;
  /** Where `${VAR}` references are looked up (default: process.env). */
  env?: Environment;
  /** Filled in with name → value of each variable that was set and used. */
  variables?: Record<string, string>;
}

/**
 * @example
 * const config = parseConfig(text, { baseDir: '/srv/app', configPath: '/srv/app/mlaas.yaml' });
 * config.services['spam-filter']?.source; // '/srv/app/examples/spam-filter'
 */
export function parseConfig(text: string, options: ParseConfigOptions): MlaasConfig {
  const baseDir = path.resolve(options.baseDir);
  const configPath = path.resolve(baseDir, options.configPath);
  const yaml = parseYaml(text, { env: options.env ?? process.env });
  if (!yaml.ok) throw configError('CONFIG_INVALID', configPath, yaml.issues);
  Object.assign(options.variables ?? {}, yaml.variables);

  const result = MlaasConfigSchema.safeParse(yaml.value, { error: describeIssue, reportInput: true });
  if (!result.success) throw configError('CONFIG_INVALID', configPath, fieldIssuesOf(result.error));

  const parsed = result.data;
  const at = (p: string) => path.resolve(baseDir, p);
  const services: MlaasConfig['services'] = {};
  for (const [name, svc] of Object.entries(parsed.services)) services[name] = { ...svc, source: at(svc.source) };
  const seed: MlaasConfig['models']['seed'] = {};
  for (const [model, entry] of Object.entries(parsed.models.seed)) seed[model] = { ...entry, file: at(entry.file) };
  return {
    ...parsed,
    configPath,
    baseDir,
    stateDir: at(parsed.stateDir),
    gateway: { ...parsed.gateway, document: at(parsed.gateway.document) },
    services,
    models: { ...parsed.models, seed },
  };
}

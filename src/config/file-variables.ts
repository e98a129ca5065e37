/**
 * The `${VAR}`s a deployment's files use, with the values this process's
 * environment gives them: what `mlaas plan` / `apply` send, so that the
 * platform reads the files as the shell that ran the command would, and
 * nothing else of that environment leaves it. An unset variable is the
 * loader's own error, by path.
 */
import path from 'node:path';
import { configError } from './config-error.js';
import { parseConfig } from './parse-config.js';
import { parseYaml } from './parse-yaml.js';
import { readConfigFile } from './read-config-file.js';
import type { Environment } from './substitute-variables.js';

export async function fileVariables(file: string, env: Environment = process.env): Promise<Record<string, string>> {
  const configPath = path.resolve(file);
  const variables: Record<string, string> = {};
  const config = parseConfig(await readConfigFile(configPath, 'mlaas.yaml'), { baseDir: path.dirname(configPath), configPath, env, variables });
  const flagsFile = (config.flags as { file?: unknown } | undefined)?.file;
  const others: Array<[string, string, 'GATEWAY_DOC_INVALID' | 'CONFIG_INVALID']> = [[config.gateway.document, 'gateway document', 'GATEWAY_DOC_INVALID']];
  if (typeof flagsFile === 'string') others.push([path.resolve(config.baseDir, flagsFile), 'flags file', 'CONFIG_INVALID']);
  for (const [other, what, code] of others) {
    const parsed = parseYaml(await readConfigFile(other, what), { env });
    if (!parsed.ok) throw configError(code, other, parsed.issues);
    Object.assign(variables, parsed.variables);
  }
  return variables;
}

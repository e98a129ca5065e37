/**
 * Turns the `flags:` entry of mlaas.yaml into a FlagSet. Two forms:
 *
 * ```yaml
 * flags:                       # inline: flag name → flagd flag definition
 *   new-model: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: off }
 *   $evaluators: { pro: { "==": [{ var: plan }, pro] } }   # optional, shared rules
 * # or
 * flags: { file: flags.json }  # a flagd daemon's flags file (JSON or YAML), relative to mlaas.yaml:
 *                              # `flags` a map, or a list of flags with their `key` (flagd-file.ts)
 * ```
 */
import path from 'node:path';
import { configError } from '../config/config-error.js';
import { parseYaml } from '../config/parse-yaml.js';
import { readConfigFile } from '../config/read-config-file.js';
import type { Environment } from '../config/substitute-variables.js';
import { FlagSet, type FlagSetOptions } from './flag-set.js';
import { flagSetFromFlagdFile } from './flagd-file.js';

export interface LoadFlagSetOptions extends Pick<FlagSetOptions, 'logger'> {
  /** Directory a `file:` path is relative to: the directory of mlaas.yaml. */
  baseDir: string;
  /** Names mlaas.yaml in error details for the inline form. */
  configPath?: string;
  /** Where `${VAR}` references in a flags file are looked up (default: process.env); inline flags were substituted with mlaas.yaml. */
  env?: Environment;
  /** Filled in with name → value of each variable the flags file used. */
  variables?: Record<string, string>;
}

/**
 * @throws MlaasError CONFIG_NOT_FOUND when `file:` names no file, CONFIG_INVALID (with field paths) otherwise.
 * @example
 * const flags = await loadFlagSet(raw.flags, { baseDir: path.dirname(configPath), configPath });
 */
export async function loadFlagSet(input: unknown, options: LoadFlagSetOptions): Promise<FlagSet> {
  if (input === undefined || input === null) return FlagSet.empty();
  const file = fileOf(input);
  if (file !== undefined) {
    const absolute = path.resolve(options.baseDir, file);
    const parsed = parseYaml(await readConfigFile(absolute, 'flags file'), { env: options.env ?? process.env });
    if (!parsed.ok) throw configError('CONFIG_INVALID', absolute, parsed.issues);
    Object.assign(options.variables ?? {}, parsed.variables);
    return flagSetFromFlagdFile(parsed.value, { source: absolute, logger: options.logger });
  }
  return FlagSet.fromDocument(inlineDocument(input), { source: options.configPath ?? 'mlaas.yaml', logger: options.logger });
}

/** `{ file: "flags.json" }` and nothing else; a flag that happens to be named `file` is a map, not a string. */
function fileOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const keys = Object.keys(input);
  const file = (input as Record<string, unknown>)['file'];
  return keys.length === 1 && typeof file === 'string' ? file : undefined;
}

/** The inline map becomes a flagd document; its `$evaluators` entry moves to the top, where flagd looks. */
function inlineDocument(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { flags: input };
  const { $evaluators, ...flags } = input as Record<string, unknown>;
  return $evaluators === undefined ? { flags } : { flags, $evaluators };
}

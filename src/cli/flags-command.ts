/**
 * `mlaas flags get|set`: the platform's feature flags as one flagd document,
 * through the admin API. A change applies to the next request, no restart.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseYaml } from '../config/parse-yaml.js';
import { configError } from '../config/config-error.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';

interface FlagdDocument {
  flags: Record<string, { state?: string; defaultVariant?: string; variants?: Record<string, unknown>; targeting?: unknown }>;
}

export function flagsCommand(): Command {
  const flags = new Command('flags').description('show or replace the feature flags (flagd format)');

  // JSON by default: the document is what `flags set -f` takes back.
  withOutputFlag(withAdminFlags(flags.command('get')), 'json')
    .description('print the flagd document the platform evaluates (-o table: one line per flag)')
    .action(async (opts: AdminFlags & { output: OutputFormat }) => {
      const document = await callAdmin<FlagdDocument>(adminTarget(opts), 'GET', '/v1/flags');
      if (printStructured(document, opts.output)) return;
      printTable(
        ['flag', 'state', 'default', 'variants', 'targeting'],
        Object.entries(document.flags).map(([name, f]) => [
          name,
          f.state ?? '-',
          f.defaultVariant ?? '-',
          Object.keys(f.variants ?? {}).join(','),
          f.targeting === undefined || (typeof f.targeting === 'object' && f.targeting !== null && Object.keys(f.targeting).length === 0) ? 'no' : 'yes',
        ]),
      );
    });

  withAdminFlags(flags.command('set'))
    .description('replace every flag with a flagd document (JSON or YAML); the next request sees it')
    .requiredOption('-f, --file <path>', 'the flagd document: { flags: { NAME: { state, variants, defaultVariant, targeting } } }')
    .action(async (opts: AdminFlags & { file: string }) => {
      const parsed = parseYaml(readDocument(opts.file));
      if (!parsed.ok) throw configError('CONFIG_INVALID', opts.file, parsed.issues);
      const answer = await callAdmin<{ flags: string[] }>(adminTarget(opts), 'PUT', '/v1/flags', parsed.value);
      process.stderr.write(`${answer.flags.length} flag(s) live: ${answer.flags.join(', ') || '(none)'}\n`);
    });

  return flags;
}

function readDocument(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: no such file`);
  }
}

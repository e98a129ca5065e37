/**
 * `mlaas deploy SERVICE [--source DIR]`: packs the source, uploads it, and
 * follows the platform's progress until the new revision serves (or says
 * why it cannot). Each deploy is an immutable revision. Without `--source`,
 * the source is the service's `source:` in mlaas.yaml (`-f`, or the
 * current folder's mlaas.yaml when there is one), else the current folder.
 */
import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { LARGE_FILE_BYTES, packSource } from '../artifacts/index.js';
import { loadConfig } from '../config/index.js';
import { adminFetch, adminTarget, withAdminFlags, type AdminFlags } from './admin-client.js';
import { PROGRESS_HEADERS, readAdminEvents } from './admin-events.js';
import type { FlagNames } from './flag-names.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';
import { parseCommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

interface DeployFlags extends AdminFlags {
  source?: string;
  file?: string;
  tag?: string;
  traffic: boolean;
  command?: string;
  output: OutputFormat;
}

/** The query parameters `deploy` sends, by the flag that sets each. */
const DEPLOY_FLAGS: FlagNames = { tag: '--tag', command: '--command', noTraffic: '--no-traffic' };

export function deployCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('deploy')))
    .description('deploy a new revision of a service from its source directory')
    .argument('<service>', 'the service to deploy')
    .option('--source <dir>', "the service source directory (default: the service's source in mlaas.yaml, else .)")
    .option('-f, --file <path>', "the mlaas.yaml that declares the service's source (default: ./mlaas.yaml when present)")
    .option('--tag <tag>', 'make the new revision reachable by this tag (x-mlaas-tag or mlaas://SERVICE@TAG)')
    .option('--no-traffic', 'give the new revision no traffic (Cloud Run semantics)')
    .option('--command <argv>', 'the command that starts an instance, with shell quoting, e.g. "node server.js" (first deploy)')
    .action(async (service: string, flags: DeployFlags) => {
      const started = Date.now();
      const target = adminTarget(flags);
      const packed = await packSource(await sourceOf(service, flags), { stateDir: flags.stateDir });
      step(`packed ${packed.files} files (${formatBytes(packed.bytes.length)}, ${packed.digest.slice(0, 19)})`);
      if (packed.leftOut.length > 0) step(`left out by default: ${listed(packed.leftOut)}`);
      if (packed.largeFiles.length > 0) {
        const files = packed.largeFiles.map((f) => `${f.path} (${formatBytes(f.bytes)})`);
        step(`warning: packed files over ${formatBytes(LARGE_FILE_BYTES)}: ${listed(files)}; models belong in the model store`);
      }
      const query = new URLSearchParams();
      if (!flags.traffic) query.set('noTraffic', 'true');
      if (flags.tag !== undefined) query.set('tag', flags.tag);
      if (flags.command !== undefined) query.set('command', JSON.stringify(parseCommandLine('--command', flags.command)));
      const res = await adminFetch(target, `/v1/services/${encodeURIComponent(service)}/deploy?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/gzip', ...PROGRESS_HEADERS },
        body: packed.bytes,
      });
      const result = await readAdminEvents<{ name: string }>(
        res,
        (event) => {
          if (typeof event['step'] === 'string') step(`${event['step']}${typeof event['detail'] === 'string' ? `: ${event['detail']}` : ''}`);
        },
        DEPLOY_FLAGS,
      );
      if (printStructured(result, flags.output)) return;
      process.stdout.write(`revision ${result.name} deployed in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    });
}

/** `--source`, else the declared `source:` of the service, else the current folder. */
async function sourceOf(service: string, flags: DeployFlags): Promise<string> {
  if (flags.source !== undefined) return path.resolve(flags.source);
  const file = flags.file ?? (fs.existsSync('mlaas.yaml') ? 'mlaas.yaml' : undefined);
  if (file === undefined) return path.resolve('.');
  const declared = (await loadConfig(file)).config.services[service];
  if (declared !== undefined) return declared.source;
  if (flags.file !== undefined) throw new UsageError(`${flags.file}: expected a service ${service} in services, found none: give --source`);
  return path.resolve('.');
}

/** At most ten, then how many more: a source may hold many logs. */
function listed(items: readonly string[]): string {
  return items.length <= 10 ? items.join(', ') : `${items.slice(0, 10).join(', ')} and ${items.length - 10} more`;
}

function step(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

function formatBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

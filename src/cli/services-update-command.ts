/**
 * `mlaas services update SERVICE [--set-env-vars K=V,…] [--update-env-vars K=V,…]
 * [--remove-env-vars K,…] [--clear-env-vars] [--concurrency N] [--timeout 300s]
 * [--min-instances N] [--max-instances N] [--command …] [--args …] [--tag T] [--no-traffic]`:
 * Cloud Run's configuration change. Each change makes a revision from the
 * service's stored configuration plus the flags, with the artifact of its
 * latest revision (no upload); the answer says what share the new revision serves.
 */
import { Command } from 'commander';
import type { RevisionRecord } from '../api/index.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';
import { parseCommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

interface UpdateFlags extends AdminFlags {
  setEnvVars?: string;
  updateEnvVars?: string;
  removeEnvVars?: string;
  clearEnvVars?: boolean;
  concurrency?: string;
  timeout?: string;
  minInstances?: string;
  maxInstances?: string;
  command?: string;
  args?: string;
  tag?: string;
  traffic: boolean;
  output: OutputFormat;
}

interface UpdateAnswer {
  changed: boolean;
  revision: RevisionRecord & { percent: number; tags: string[] };
}

export function servicesUpdateCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('update')))
    .description('change a service’s configuration: a new revision from the stored spec plus the change, with the same artifact')
    .argument('<service>', 'the service')
    .option('--set-env-vars <K=V,...>', 'replace every environment variable with these')
    .option('--update-env-vars <K=V,...>', 'add or change these environment variables')
    .option('--remove-env-vars <K,...>', 'remove these environment variables')
    .option('--clear-env-vars', 'remove every environment variable')
    .option('--concurrency <n>', 'requests in flight per instance at most (0 = no limit)')
    .option('--timeout <duration>', 'request timeout: 300s, 5m or 300 (seconds)')
    .option('--min-instances <n>', 'instances kept running when idle')
    .option('--max-instances <n>', 'instances at most')
    .option('--command <line>', 'the command that starts an instance, with shell quoting: "node server.js --flag \'a b\'"')
    .option('--args <line>', 'the arguments after the command’s program, with shell quoting')
    .option('--tag <tag>', 'make the new revision reachable by this tag')
    .option('--no-traffic', 'give the new revision no traffic')
    .action(async (service: string, flags: UpdateFlags) => {
      const body = {
        ...(flags.setEnvVars === undefined ? {} : { setEnvVars: envPairs('--set-env-vars', flags.setEnvVars) }),
        ...(flags.updateEnvVars === undefined ? {} : { updateEnvVars: envPairs('--update-env-vars', flags.updateEnvVars) }),
        ...(flags.removeEnvVars === undefined ? {} : { removeEnvVars: list(flags.removeEnvVars) }),
        ...(flags.clearEnvVars === true ? { clearEnvVars: true } : {}),
        ...(flags.concurrency === undefined ? {} : { concurrency: count('--concurrency', flags.concurrency) }),
        ...(flags.timeout === undefined ? {} : { timeoutSeconds: seconds('--timeout', flags.timeout) }),
        ...(flags.minInstances === undefined ? {} : { minInstances: count('--min-instances', flags.minInstances) }),
        ...(flags.maxInstances === undefined ? {} : { maxInstances: count('--max-instances', flags.maxInstances) }),
        ...(flags.command === undefined ? {} : { command: nonEmpty('--command', parseCommandLine('--command', flags.command)) }),
        ...(flags.args === undefined ? {} : { args: parseCommandLine('--args', flags.args) }),
      };
      if (Object.keys(body).length === 0) throw new UsageError('no configuration change requested: give at least one of --set-env-vars, --update-env-vars, --remove-env-vars, --clear-env-vars, --concurrency, --timeout, --min-instances, --max-instances, --command, --args');
      const answer = await callAdmin<UpdateAnswer>(adminTarget(flags), 'POST', `/v1/services/${encodeURIComponent(service)}/update`, {
        ...body,
        ...(flags.tag === undefined ? {} : { tag: flags.tag }),
        ...(flags.traffic ? {} : { noTraffic: true }),
      });
      if (printStructured(answer, flags.output)) return;
      const r = answer.revision;
      const tags = r.tags.length === 0 ? '' : ` (tags: ${r.tags.join(', ')})`;
      process.stdout.write(
        answer.changed
          ? `revision ${r.name} of service ${service} is serving ${r.percent}% of the traffic${tags}\n`
          : `no change: the configuration is as it was; revision ${r.name} serves ${r.percent}%${tags}\n`,
      );
    });
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function envPairs(flag: string, value: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of list(value)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag}: expected KEY=VALUE[,KEY=VALUE…], got ${pair}`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}

function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag}: expected a whole number ≥ 0, got ${value}`);
  return Number(value);
}

function nonEmpty(flag: string, words: string[]): string[] {
  if (words.length === 0) throw new UsageError(`${flag}: expected a command, got nothing`);
  return words;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** gcloud's durations: `300s`, `5m`, `1h`, or a bare number of seconds. */
export function seconds(flag: string, value: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(value.trim());
  if (m === null) throw new UsageError(`${flag}: expected a duration such as 300s, 5m or 300, got ${value}`);
  return Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] as number);
}

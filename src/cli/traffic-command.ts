/**
 * `mlaas traffic SERVICE REV=90 REV=10 [--to-latest] [--tag T=REV] [--sticky]
 * [--tenant-tag TENANT=TAG] [--flag-tag FLAG] [--mirror TAG=PERCENT]`
 * and `mlaas rollback SERVICE`: move traffic between revisions, Knative's
 * way, plus tenant routing and shadow traffic. The platform starts every
 * revision the new policy needs and only then moves requests, so none fail.
 */
import { Command } from 'commander';
import type { TrafficTarget } from '../control-plane/state-store.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import type { FlagNames } from './flag-names.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';
import { UsageError } from './usage-error.js';

interface TrafficFlags extends AdminFlags {
  toLatest?: boolean;
  tag: string[];
  sticky?: boolean;
  tenantTag: string[];
  flagTag?: string;
  mirror?: string;
  output: OutputFormat;
}

/** The body fields `traffic` sends, by the flag that sets each (the targets come from several flags and arguments). */
const TRAFFIC_FLAGS: FlagNames = { tenantTags: '--tenant-tag', flagTag: '--flag-tag', mirror: '--mirror' };

interface Resolved {
  resolved?: { targets: Array<{ revision: string; percent: number; tag?: string }> };
}

export function trafficCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('traffic')))
    .description('split traffic between revisions: REV=PERCENT …, --to-latest, --tag TAG=REV')
    .argument('<service>', 'the service')
    .argument('[splits...]', 'REVISION=PERCENT pairs that sum to 100 (LATEST names the latest ready revision)')
    .option('--to-latest', 'send all traffic to the latest ready revision, following later deploys')
    .option('--tag <tag=revision>', 'tag a revision (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--sticky', 'keep each tenant on the same revision of the split')
    .option('--tenant-tag <tenant=tag>', 'send a tenant to a tagged revision before any split (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--flag-tag <flag>', 'route by a flag whose value (or variant) for the tenant names a tag; other values use the split')
    .option('--mirror <tag=percent>', 'copy PERCENT of requests to the tagged revision (shadow traffic; answers compared, never returned)')
    .action(async (service: string, splits: string[], flags: TrafficFlags) => {
      const targets: TrafficTarget[] = flags.toLatest === true ? [{ latestRevision: true, percent: 100 }] : splits.map(parseSplit);
      for (const t of flags.tag) {
        const [tag, revision] = t.split('=');
        if (tag === undefined || revision === undefined || tag === '' || revision === '') {
          throw new UsageError(`--tag: expected TAG=REVISION, got ${t}`);
        }
        targets.push({ ...revisionOrLatest(revision), percent: 0, tag });
      }
      if (targets.length === 0) throw new UsageError('give REVISION=PERCENT pairs, --to-latest or --tag');
      const tenantTags = Object.fromEntries(flags.tenantTag.map((t) => pair(t, '--tenant-tag', 'TENANT=TAG')));
      const mirror = flags.mirror === undefined ? undefined : pair(flags.mirror, '--mirror', 'TAG=PERCENT');
      const answer = await callAdmin<Resolved>(adminTarget(flags), 'PUT', `/v1/services/${encodeURIComponent(service)}/traffic`, {
        targets,
        sticky: flags.sticky === true,
        ...(flags.tenantTag.length === 0 ? {} : { tenantTags }),
        ...(flags.flagTag === undefined ? {} : { flagTag: flags.flagTag }),
        ...(mirror === undefined ? {} : { mirror: { tag: mirror[0], percent: Number(mirror[1]) } }),
      }, TRAFFIC_FLAGS);
      report(answer, flags.output);
    });
}

export function rollbackCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('rollback')))
    .description('send all traffic back to the last revision that served 100%')
    .argument('<service>', 'the service')
    .action(async (service: string, flags: AdminFlags & { output: OutputFormat }) => {
      const answer = await callAdmin<Resolved>(adminTarget(flags), 'POST', `/v1/services/${encodeURIComponent(service)}/rollback`);
      report(answer, flags.output);
    });
}

function pair(s: string, flag: string, form: string): [string, string] {
  const at = s.indexOf('=');
  if (at <= 0 || at === s.length - 1) throw new UsageError(`${flag}: expected ${form}, got ${s}`);
  return [s.slice(0, at), s.slice(at + 1)];
}

function parseSplit(s: string): TrafficTarget {
  const m = /^([^=]+)=(\d+)$/.exec(s);
  if (m === null) throw new UsageError(`expected REVISION=PERCENT, got ${s}`);
  return { ...revisionOrLatest(m[1] as string), percent: Number(m[2]) };
}

function revisionOrLatest(name: string): Pick<TrafficTarget, 'revision' | 'latestRevision'> {
  return name === 'LATEST' ? { latestRevision: true } : { revision: name };
}

function report(answer: Resolved, output: OutputFormat): void {
  if (printStructured(answer, output)) return;
  for (const t of answer.resolved?.targets ?? []) {
    process.stdout.write(`${t.revision}  ${t.percent}%${t.tag === undefined ? '' : `  tag=${t.tag}`}\n`);
  }
}

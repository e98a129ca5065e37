/**
 * `mlaas traffic SERVICE REV=90 REV=10 [--to-latest] [--tag T=REV] [--sticky]`
 * and `mlaas rollback SERVICE`: move traffic between revisions, Knative's
 * way. The platform starts every revision the new split needs and only then
 * moves requests, so none fail.
 */
import { Command } from 'commander';
import type { TrafficTarget } from '../control-plane/state-store.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printJson, withOutputFlag, type OutputFormat } from './output-format.js';

interface TrafficFlags extends AdminFlags {
  toLatest?: boolean;
  tag: string[];
  sticky?: boolean;
  output: OutputFormat;
}

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
    .action(async (service: string, splits: string[], flags: TrafficFlags) => {
      const targets: TrafficTarget[] = flags.toLatest === true ? [{ latestRevision: true, percent: 100 }] : splits.map(parseSplit);
      for (const t of flags.tag) {
        const [tag, revision] = t.split('=');
        if (tag === undefined || revision === undefined || tag === '' || revision === '') {
          throw new Error(`--tag: expected TAG=REVISION, got ${t}`);
        }
        targets.push({ ...revisionOrLatest(revision), percent: 0, tag });
      }
      if (targets.length === 0) throw new Error('give REVISION=PERCENT pairs, --to-latest or --tag');
      const answer = await callAdmin<Resolved>(adminTarget(flags), 'PUT', `/v1/services/${encodeURIComponent(service)}/traffic`, {
        targets,
        sticky: flags.sticky === true,
      });
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

function parseSplit(s: string): TrafficTarget {
  const m = /^([^=]+)=(\d+)$/.exec(s);
  if (m === null) throw new Error(`expected REVISION=PERCENT, got ${s}`);
  return { ...revisionOrLatest(m[1] as string), percent: Number(m[2]) };
}

function revisionOrLatest(name: string): Pick<TrafficTarget, 'revision' | 'latestRevision'> {
  return name === 'LATEST' ? { latestRevision: true } : { revision: name };
}

function report(answer: Resolved, output: OutputFormat): void {
  if (output === 'json') return printJson(answer);
  for (const t of answer.resolved?.targets ?? []) {
    process.stdout.write(`${t.revision}  ${t.percent}%${t.tag === undefined ? '' : `  tag=${t.tag}`}\n`);
  }
}

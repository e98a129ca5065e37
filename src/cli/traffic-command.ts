/**
 * `mlaas traffic SERVICE` changes traffic as `gcloud run services
 * update-traffic` does: only what the flags name changes. `--to-revisions
 * R=20[,R2=30]` (or `R=20` pairs as arguments) gives those shares and takes
 * the rest from the other targets in proportion to their current percents;
 * `--to-tags T=10`, `--to-latest` (tags are kept), `--update-tags T=R`,
 * `--remove-tags T,…`, `--clear-tags`; tenant rules, flag routing and the
 * mirror stay unless their own flags change them (`--no-mirror`, `--no-flag-tag`,
 * `--remove-tenant-tags`). `LATEST` names the latest
 * ready revision. And `mlaas rollback SERVICE`. The platform starts every
 * revision the new policy needs before it moves a request, so none fail.
 */
import { Command } from 'commander';
import type { TrafficPatch } from '../control-plane/patch-traffic.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import type { FlagNames } from './flag-names.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';
import { UsageError } from './usage-error.js';

interface TrafficFlags extends AdminFlags {
  toRevisions?: string;
  toTags?: string;
  toLatest?: boolean;
  updateTags?: string;
  tag: string[];
  removeTags?: string;
  clearTags?: boolean;
  sticky?: boolean;
  tenantTag: string[];
  removeTenantTags?: string;
  clearTenantTags?: boolean;
  flagTag?: string | false;
  mirror?: string | false;
  output: OutputFormat;
}

/** The body fields `traffic` sends, by the flag that sets each (the targets come from several flags and arguments). */

interface Resolved {
  resolved?: { targets: Array<{ revision: string; percent: number; tag?: string }> };
}

/** The patch body's fields → the flags that set them, so that errors name the flag. */
const TRAFFIC_FLAGS: FlagNames = {
  toRevisions: '--to-revisions',
  toTags: '--to-tags',
  toLatest: '--to-latest',
  updateTags: '--update-tags',
  removeTags: '--remove-tags',
  clearTags: '--clear-tags',
  tenantTags: '--tenant-tag',
  removeTenantTags: '--remove-tenant-tags',
  clearTenantTags: '--clear-tenant-tags',
  flagTag: '--flag-tag',
  mirror: '--mirror',
};

const repeat = (v: string, all: string[]): string[] => [...all, v];

export function trafficCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('traffic')))
    .description('change how traffic splits between revisions, as gcloud run services update-traffic')
    .argument('<service>', 'the service')
    .argument('[splits...]', 'REVISION=PERCENT pairs, the same as --to-revisions (LATEST names the latest ready revision)')
    .option('--to-revisions <R=P,...>', 'give these revisions these percents; the others keep their proportions of the rest')
    .option('--to-tags <T=P,...>', 'give the revisions these tags name these percents')
    .option('--to-latest', 'send all traffic to the latest ready revision, following later deploys (tags are kept)')
    .option('--update-tags <T=R,...>', 'add tags or move them to other revisions')
    .option('--tag <tag=revision>', 'the same as --update-tags, one at a time (repeatable)', repeat, [])
    .option('--remove-tags <T,...>', 'remove these tags')
    .option('--clear-tags', 'remove every tag')
    .option('--sticky', 'keep each tenant on the same revision of the split')
    .option('--no-sticky', 'split each request at random')
    .option('--tenant-tag <tenant=tag>', 'send a tenant to a tagged revision before any split (repeatable)', repeat, [])
    .option('--remove-tenant-tags <TENANT,...>', 'remove these tenants’ rules')
    .option('--clear-tenant-tags', 'remove every tenant rule')
    .option('--flag-tag <flag>', 'route by a flag whose value (or variant) for the tenant names a tag; other values use the split')
    .option('--no-flag-tag', 'stop routing by a flag')
    .option('--mirror <tag=percent>', 'copy PERCENT of requests to the tagged revision (shadow traffic; answers compared, never returned)')
    .option('--no-mirror', 'stop mirroring')
    .action(async (service: string, splits: string[], flags: TrafficFlags) => {
      const patch: TrafficPatch = {};
      const toRevisions = { ...pairs(undefined, splits.join(','), 'REVISION=PERCENT'), ...pairs('--to-revisions', flags.toRevisions, 'REVISION=PERCENT') };
      if (Object.keys(toRevisions).length > 0) patch.toRevisions = percents(flags.toRevisions === undefined ? 'REVISION=PERCENT' : '--to-revisions', toRevisions);
      if (flags.toTags !== undefined) patch.toTags = percents('--to-tags', pairs('--to-tags', flags.toTags, 'TAG=PERCENT'));
      if (flags.toLatest === true) patch.toLatest = true;
      const updateTags = { ...pairs('--tag', flags.tag.join(','), 'TAG=REVISION'), ...pairs('--update-tags', flags.updateTags, 'TAG=REVISION') };
      if (Object.keys(updateTags).length > 0) patch.updateTags = updateTags;
      if (flags.removeTags !== undefined) patch.removeTags = flags.removeTags.split(',').filter(Boolean);
      if (flags.clearTags === true) patch.clearTags = true;
      if (flags.sticky !== undefined) patch.sticky = flags.sticky;
      if (flags.tenantTag.length > 0) patch.tenantTags = pairs('--tenant-tag', flags.tenantTag.join(','), 'TENANT=TAG');
      if (flags.removeTenantTags !== undefined) patch.removeTenantTags = flags.removeTenantTags.split(',').filter(Boolean);
      if (flags.clearTenantTags === true) patch.clearTenantTags = true;
      if (flags.flagTag !== undefined) patch.flagTag = flags.flagTag === false ? null : flags.flagTag;
      if (flags.mirror === false) patch.mirror = null;
      else if (flags.mirror !== undefined) {
        const [[tag, percent]] = Object.entries(pairs('--mirror', flags.mirror, 'TAG=PERCENT')) as [[string, string]];
        patch.mirror = { tag, percent: Number(percent) };
      }
      if (Object.keys(patch).length === 0) throw new UsageError('no traffic change requested: give --to-revisions, --to-tags, --to-latest, --update-tags, --remove-tags or --clear-tags');
      const answer = await callAdmin<Resolved>(adminTarget(flags), 'PATCH', `/v1/services/${encodeURIComponent(service)}/traffic`, patch, TRAFFIC_FLAGS);
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

/** `K=V,K2=V2` → { K: V, K2: V2 }; nothing for an absent flag. */
function pairs(flag: string | undefined, value: string | undefined, form: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (value ?? '').split(',').filter(Boolean)) {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) throw new UsageError(`${flag === undefined ? '' : `${flag}: `}expected ${form}, got ${item}`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function percents(flag: string, byName: Record<string, string>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(byName).map(([name, p]) => {
      if (!/^\d+$/.test(p) || Number(p) > 100) throw new UsageError(`${flag}: expected a whole percent 0–100 for ${name}, got ${p}`);
      return [name, Number(p)];
    }),
  );
}

function report(answer: Resolved, output: OutputFormat): void {
  if (printStructured(answer, output)) return;
  for (const t of answer.resolved?.targets ?? []) {
    process.stdout.write(`${t.revision}  ${t.percent}%${t.tag === undefined ? '' : `  tag=${t.tag}`}\n`);
  }
}

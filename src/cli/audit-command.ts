/**
 * `mlaas audit [--since 1h] [--limit N] [-o json]`: the control plane's
 * audit log, newest first: when, who, what was done to what, the rest of the
 * detail the store recorded, then the change's diff, one `path: old → new`
 * line per field as `mlaas plan` prints it.
 */
import { Command } from 'commander';
import type { AuditEntry } from '../state/state-store.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';

type Flags = AdminFlags & { since?: string; limit: string; output: OutputFormat };

export function auditCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('audit')))
    .description('list the changes made to the platform, newest first')
    .option('--since <duration>', 'only changes newer than this, e.g. 30m, 2h')
    .option('--limit <n>', 'at most this many changes (up to 1000)', '100')
    .action(async (flags: Flags) => {
      const query = new URLSearchParams({ limit: flags.limit });
      if (flags.since !== undefined) query.set('since', flags.since);
      const { items } = await callAdmin<{ items: AuditEntry[] }>(adminTarget(flags), 'GET', `/v1/audit?${query}`, undefined, {
        limit: '--limit',
        since: '--since',
      });
      if (printStructured(items, flags.output)) return;
      process.stdout.write(auditLines(items).map((l) => `${l}\n`).join(''));
    });
}

interface Change {
  path: string;
  old?: unknown;
  new?: unknown;
}

/** One aligned line per entry, its diff's lines below it. */
export function auditLines(items: readonly AuditEntry[]): string[] {
  const width = (pick: (e: AuditEntry) => string) => Math.max(0, ...items.map((e) => pick(e).length));
  const [actor, action, target] = [width((e) => e.actor), width((e) => e.action), width((e) => e.target)];
  return items.flatMap((e) => {
    const { changes, ...rest } = e.detail as { changes?: Change[] };
    const head = `${e.at}  ${e.actor.padEnd(actor)}  ${e.action.padEnd(action)}  ${e.target.padEnd(target)}  ${Object.keys(rest).length === 0 ? '' : JSON.stringify(rest)}`;
    return [head.trimEnd(), ...(changes ?? []).map((c) => `    ${c.path === '' ? '(whole)' : c.path}: ${show(c.old)} → ${show(c.new)}`)];
  });
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

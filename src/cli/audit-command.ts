/**
 * `mlaas audit [--since 1h] [--limit N] [-o json]`: the control plane's
 * audit log, newest first: when, who, what was done to what, and the
 * change's detail as the store recorded it.
 */
import { Command } from 'commander';
import type { AuditEntry } from '../control-plane/state-store.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';

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
      printTable(
        ['at', 'actor', 'action', 'target', 'detail'],
        items.map((e) => [e.at, e.actor, e.action, e.target, Object.keys(e.detail).length === 0 ? '' : JSON.stringify(e.detail)]),
      );
    });
}

/**
 * `mlaas revisions SERVICE`: every revision with its state (ready, failed
 * and why, retired), its share of traffic and its tags.
 */
import { Command } from 'commander';
import type { RevisionRecord } from '../control-plane/state-store.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';

type ListedRevision = RevisionRecord & { percent: number; tags: string[] };

export function revisionsCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('revisions')))
    .description('list the revisions of a service with their state and traffic')
    .argument('<service>', 'the service')
    .action(async (service: string, flags: AdminFlags & { output: OutputFormat }) => {
      const { items } = await callAdmin<{ items: ListedRevision[] }>(
        adminTarget(flags),
        'GET',
        `/v1/services/${encodeURIComponent(service)}/revisions`,
      );
      if (printStructured(items, flags.output)) return;
      printTable(
        ['revision', 'state', 'traffic', 'tags', 'created', 'reason'],
        items.map((r) => [r.name, r.state, `${r.percent}%`, r.tags.join(',') || '-', r.createdAt, r.reason ?? '']),
      );
    });
}

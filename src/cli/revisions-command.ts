/**
 * `mlaas revisions SERVICE` (or `revisions list SERVICE`): every revision
 * with its state (ready, failed and why, retired), its share of traffic and
 * its tags; `revisions describe REVISION` shows one with its spec;
 * `revisions delete REVISION` deletes one that no traffic holds.
 */
import { Command } from 'commander';
import type { RevisionRecord } from '../api/index.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';
import { UsageError } from './usage-error.js';

type ListedRevision = RevisionRecord & { percent: number; tags: string[] };

type Flags = AdminFlags & { output: OutputFormat };

export function revisionsCommand(): Command {
  // Positional options: a flag after `describe`/`delete`/`list` belongs to that subcommand, not to `revisions`.
  const revisions = withOutputFlag(withAdminFlags(new Command('revisions').enablePositionalOptions()))
    .description('list (revisions SERVICE), describe or delete revisions')
    .argument('[service]', 'the service whose revisions to list')
    .action(async (service: string | undefined, flags: Flags) => {
      if (service === undefined) throw new UsageError('give the service whose revisions to list: mlaas revisions SERVICE');
      await listRevisions(service, flags);
    });
  revisions.addCommand(
    withOutputFlag(withAdminFlags(new Command('list')))
      .description('list the revisions of a service with their state and traffic')
      .argument('<service>', 'the service')
      .action(listRevisions),
  );
  revisions.addCommand(
    withOutputFlag(withAdminFlags(new Command('describe')))
      .description('one revision: state, traffic, tags, ready instances and its spec')
      .argument('<revision>', 'the revision, e.g. echo-00002')
      .action(async (name: string, flags: Flags) => {
        const r = await callAdmin<ListedRevision & { readyInstances: number }>(adminTarget(flags), 'GET', `/v1/revisions/${encodeURIComponent(name)}`);
        if (printStructured(r, flags.output)) return;
        const out = [
          `revision:   ${r.name}`,
          `service:    ${r.service}`,
          `state:      ${r.state}${r.reason === undefined ? '' : ` (${r.reason})`}`,
          `traffic:    ${r.percent}%${r.tags.length === 0 ? '' : `  tags: ${r.tags.join(', ')}`}`,
          `ready:      ${r.readyInstances} instance(s)`,
          `created:    ${r.createdAt}`,
          ...(r.lastActiveAt === undefined ? [] : [`inactive:   since ${r.lastActiveAt}`]),
          'spec:',
          ...JSON.stringify(r.spec, null, 2).split('\n').map((l) => `  ${l}`),
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      }),
  );
  revisions.addCommand(
    withOutputFlag(withAdminFlags(new Command('delete')))
      .description('delete a revision no traffic holds (no percent, no tag, not what latestRevision follows), stopping its instances')
      .argument('<revision>', 'the revision, e.g. echo-00002')
      .action(async (name: string, flags: Flags) => {
        const answer = await callAdmin<{ deleted: string }>(adminTarget(flags), 'DELETE', `/v1/revisions/${encodeURIComponent(name)}`);
        if (printStructured(answer, flags.output)) return;
        process.stdout.write(`deleted revision ${answer.deleted}\n`);
      }),
  );
  return revisions;
}

async function listRevisions(service: string, flags: Flags): Promise<void> {
  const { items } = await callAdmin<{ items: ListedRevision[] }>(adminTarget(flags), 'GET', `/v1/services/${encodeURIComponent(service)}/revisions`);
  if (printStructured(items, flags.output)) return;
  printTable(
    ['revision', 'state', 'traffic', 'tags', 'created', 'reason'],
    // A build's reason holds the tool's error lines: one row each revision, its lines joined.
    items.map((r) => [r.name, r.state, `${r.percent}%`, r.tags.join(',') || '-', r.createdAt, r.reason?.replace(/\s*\n\s*/g, ' / ') ?? '']),
  );
}

/**
 * `mlaas services list | describe SERVICE | delete SERVICE | update SERVICE`:
 * services as Cloud Run shows them — the configuration every revision is
 * made from, the revisions, the traffic and whether it is Ready.
 */
import { Command } from 'commander';
import type { RevisionRecord, TrafficPolicy } from '../api/index.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';
import { unroutedLines } from './plan-output.js';
import { servicesUpdateCommand } from './services-update-command.js';

interface ServiceSummary {
  name: string;
  url: string;
  latestRevision?: string;
  latestReadyRevision?: string;
  serving: Array<{ revision: string; percent: number; tag?: string }>;
  readyInstances: number;
  routes: string[];
}

interface ServiceDescription extends ServiceSummary {
  configuration: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  traffic: TrafficPolicy;
  revisions: Array<RevisionRecord & { percent: number; tags: string[]; readyInstances: number }>;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

type Flags = AdminFlags & { output: OutputFormat };

const path = (service: string): string => `/v1/services/${encodeURIComponent(service)}`;

export function servicesCommand(): Command {
  const services = new Command('services').description('list, describe, update and delete services');
  services.addCommand(
    withOutputFlag(withAdminFlags(new Command('list')))
      .description('every service with its latest revision, the revisions that serve and their ready instances')
      .action(async (flags: Flags) => {
        const { items } = await callAdmin<{ items: ServiceSummary[] }>(adminTarget(flags), 'GET', '/v1/services');
        if (printStructured(items, flags.output)) return;
        printTable(
          ['service', 'url', 'latest', 'serving', 'ready'],
          items.map((s) => [s.name, s.url, s.latestRevision ?? '-', servingText(s.serving), String(s.readyInstances)]),
        );
      }),
  );
  services.addCommand(
    withOutputFlag(withAdminFlags(new Command('describe')))
      .description("a service's configuration, revisions, traffic, routes and conditions")
      .argument('<service>', 'the service')
      .action(async (service: string, flags: Flags) => {
        const d = await callAdmin<ServiceDescription>(adminTarget(flags), 'GET', path(service));
        if (printStructured(d, flags.output)) return;
        const ready = d.conditions.find((c) => c.type === 'Ready');
        const out = [
          `service:    ${d.name}`,
          `url:        ${d.url}`,
          `ready:      ${ready?.status ?? 'Unknown'}${ready?.reason === undefined ? '' : ` (${ready.reason}: ${ready.message ?? ''})`}`,
          `latest:     ${d.latestRevision ?? '-'} (latest ready: ${d.latestReadyRevision ?? '-'})`,
          `serving:    ${servingText(d.serving)}`,
          `routes:     ${d.routes.length === 0 ? 'none' : d.routes.join(', ')}`,
          `created:    ${d.createdAt}   updated: ${d.updatedAt}`,
          '',
          'configuration:',
          ...JSON.stringify(d.configuration, null, 2).split('\n').map((l) => `  ${l}`),
          '',
          'conditions:',
          ...d.conditions.map((c) => `  ${c.type.padEnd(20)} ${c.status}${c.reason === undefined ? '' : `  ${c.reason}: ${c.message ?? ''}`}`),
          '',
        ];
        process.stdout.write(`${out.join('\n')}\n`);
        printTable(
          ['revision', 'state', 'traffic', 'tags', 'ready', 'created'],
          d.revisions.map((r) => [r.name, r.state, `${r.percent}%`, r.tags.join(',') || '-', String(r.readyInstances), r.createdAt]),
        );
        if (d.routes.length === 0) process.stdout.write(`${unroutedLines([d.name]).join('\n')}\n`);
      }),
  );
  services.addCommand(
    withOutputFlag(withAdminFlags(new Command('delete')))
      .description('stop every instance of a service and delete it with its revisions and traffic')
      .argument('<service>', 'the service')
      .action(async (service: string, flags: Flags) => {
        const answer = await callAdmin<{ deleted: string; revisions: string[] }>(adminTarget(flags), 'DELETE', path(service));
        if (printStructured(answer, flags.output)) return;
        process.stdout.write(`deleted service ${answer.deleted} and its ${answer.revisions.length} revision(s)\n`);
      }),
  );
  services.addCommand(servicesUpdateCommand());
  return services;
}

function servingText(serving: ServiceSummary['serving']): string {
  const parts = serving.map((t) => `${t.revision} ${t.percent}%${t.tag === undefined ? '' : ` (${t.tag})`}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

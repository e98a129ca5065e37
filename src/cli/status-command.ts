/**
 * `mlaas status`: every service's desired and ready instances, with each
 * instance's process, port, state and restarts.
 */
import { Command } from 'commander';
import type { KeyStatus } from '../runtime/supervisor.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printJson, printTable, withOutputFlag, type OutputFormat } from './output-format.js';

interface PlatformStatus {
  services: KeyStatus[];
  inFlight: Record<string, number>;
}

export function statusCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('status')))
    .description('show services, their instances and what they are doing')
    .action(async (opts: AdminFlags & { output: OutputFormat }) => {
      const status = await callAdmin<PlatformStatus>(adminTarget(opts), 'GET', '/v1/status');
      if (opts.output === 'json') return printJson(status);
      printTable(
        ['service', 'ready', 'instance', 'state', 'pid', 'port', 'restarts', 'in flight', 'last exit'],
        status.services.flatMap((s) =>
          (s.instances.length === 0 ? [undefined] : s.instances).map((i) => [
            s.service,
            `${s.ready}/${s.desired}`,
            i?.id ?? '-',
            i?.state ?? '-',
            String(i?.pid ?? '-'),
            String(i?.port ?? '-'),
            String(i?.restarts ?? 0),
            String(i === undefined ? 0 : (status.inFlight[i.id] ?? 0)),
            i?.lastExit?.reason ?? '',
          ]),
        ),
      );
    });
}

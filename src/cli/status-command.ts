/**
 * `mlaas status`: per revision, what the autoscaler wants against what is
 * ready, panic mode, requests in flight and waiting at the gateway, and cold
 * starts; shadow traffic, if any; the gateway document's quota limits and
 * each tenant's use of them, if any; whether quotas shared through Redis are
 * shared now; the `mlaas gateway` replicas reporting to it; then every
 * instance with its process, port, state and restarts.
 */
import { Command } from 'commander';
import type { ColdStartSummary, ScaleStatus } from '../autoscaler/index.js';
import type { GatewayReplicaStatus } from '../control-plane/gateway-replicas.js';
import type { GateStatus } from '../gateway/activator.js';
import type { DocumentQuotaStatus } from '../gateway/document-quota-status.js';
import type { QuotaStoreStatus } from '../gateway/redis-quota-limiter.js';
import type { ShadowStats } from '../gateway/shadow-mirror.js';
import type { KeyStatus } from '../runtime/supervisor.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';
import { printQuotaTable } from './quota-table.js';
import { printShadowTable } from './shadow-table.js';

interface PlatformStatus {
  services: KeyStatus[];
  inFlight: Record<string, number>;
  autoscaler?: ScaleStatus[];
  activator?: GateStatus[];
  coldStarts?: ColdStartSummary[];
  shadow?: ShadowStats[];
  quotas?: DocumentQuotaStatus[];
  quotaStore?: QuotaStoreStatus;
  gateways?: GatewayReplicaStatus[];
}

export function statusCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('status')))
    .description('show revisions, their scaling and instances, and what they are doing')
    .action(async (opts: AdminFlags & { output: OutputFormat }) => {
      const status = await callAdmin<PlatformStatus>(adminTarget(opts), 'GET', '/v1/status');
      if (printStructured(status, opts.output)) return;
      printTable(
        ['revision', 'desired', 'ready', 'panic', 'in flight', 'queued', 'cold starts (p50 / max)'],
        status.services.map((s) => {
          const scale = status.autoscaler?.find((a) => a.key === s.key);
          const gate = status.activator?.find((g) => g.revision === s.key);
          const cold = status.coldStarts?.find((c) => c.revision === s.key);
          return [
            s.key,
            String(scale?.desired ?? s.desired),
            String(s.ready),
            scale?.panic === true ? 'yes' : 'no',
            String(gate?.inFlight ?? 0),
            String(gate?.queued ?? 0),
            cold === undefined ? '-' : `${cold.count} (${cold.p50Ms} ms / ${cold.maxMs} ms)`,
          ];
        }),
      );
      if (status.shadow !== undefined && status.shadow.length > 0) printShadowTable(status.shadow);
      if (status.quotas !== undefined && status.quotas.length > 0) printQuotaTable(status.quotas);
      if (status.quotaStore !== undefined) process.stdout.write(`\n${quotaStoreLine(status.quotaStore)}\n`);
      if (status.gateways !== undefined && status.gateways.length > 0) process.stdout.write(`\n${gatewaysLine(status.gateways)}\n`);
      const instances = status.services.flatMap((s) => s.instances.map((i) => ({ s, i })));
      if (instances.length === 0) return;
      process.stdout.write('\n');
      printTable(
        ['instance', 'state', 'pid', 'port', 'restarts', 'in flight', 'last exit'],
        instances.map(({ i }) => [
          i.id,
          i.state,
          String(i.pid ?? '-'),
          String(i.port ?? '-'),
          String(i.restarts),
          String(status.inFlight[i.id] ?? 0),
          i.lastExit?.reason ?? '',
        ]),
      );
    });
}

function quotaStoreLine(q: QuotaStoreStatus): string {
  if (q.shared) return `quotas: shared through ${q.redis}`;
  const then = q.failOpen ? 'each gateway counts its limits alone (failOpen)' : 'requests a limit applies to get 503 (failOpen: false)';
  return `quotas: DEGRADED, ${q.redis} unreachable; ${then}`;
}

/** The replicas' own in-flight requests, which the table's `in flight` (this process's gateway) leaves out. */
function gatewaysLine(gateways: readonly GatewayReplicaStatus[]): string {
  const inFlight = new Map<string, number>();
  for (const g of gateways) for (const [revision, n] of Object.entries(g.inFlight)) inFlight.set(revision, (inFlight.get(revision) ?? 0) + n);
  const load = [...inFlight].map(([revision, n]) => `${revision} ${n}`).join(', ');
  return `gateways: ${gateways.length} mlaas gateway replica(s) reporting; in flight through them: ${load === '' ? 'none' : load}`;
}

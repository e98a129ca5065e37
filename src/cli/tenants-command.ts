/**
 * `mlaas tenants list|set|delete`: tenants, their settings, targeting
 * attributes and quotas, through the admin API. A change applies to the next
 * request, no restart.
 */
import { Command } from 'commander';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printJson, printTable, withOutputFlag, type OutputFormat } from './output-format.js';

interface Quota {
  requestsPerMinute: number;
  burst?: number;
}

interface Tenant {
  id: string;
  displayName: string;
  config: Record<string, unknown>;
  attributes: Record<string, unknown>;
  quota?: Quota;
  keyQuota?: Quota;
}

interface SetFlags extends AdminFlags {
  displayName?: string;
  config?: string;
  attributes?: string;
  rpm?: string;
  burst?: string;
  keyRpm?: string;
  output: OutputFormat;
}

export function tenantsCommand(): Command {
  const tenants = new Command('tenants').description('list, create, change and delete tenants');

  withOutputFlag(withAdminFlags(tenants.command('list')))
    .description('list tenants with their attributes and quotas')
    .action(async (opts: AdminFlags & { output: OutputFormat }) => {
      const { items } = await callAdmin<{ items: Tenant[] }>(adminTarget(opts), 'GET', '/v1/tenants');
      if (opts.output === 'json') return printJson(items);
      printTable(
        ['id', 'name', 'attributes', 'quota', 'key quota', 'config'],
        items.map((t) => [t.id, t.displayName, JSON.stringify(t.attributes), quotaText(t.quota), quotaText(t.keyQuota), JSON.stringify(t.config)]),
      );
    });

  withOutputFlag(withAdminFlags(tenants.command('set')))
    .description('create a tenant or replace its settings (what is not given is cleared)')
    .argument('<id>', 'tenant id (DNS label)')
    .option('--display-name <name>', 'a readable name')
    .option('--config <json>', 'settings sent to services in x-mlaas-config, as a JSON object')
    .option('--attributes <json>', 'flag-targeting attributes, as a JSON object of strings, numbers, booleans')
    .option('--rpm <n>', 'requests per minute for the whole tenant')
    .option('--burst <n>', 'at most this many requests of the tenant in any one second (with --rpm)')
    .option('--key-rpm <n>', 'requests per minute for each key that has no quota of its own')
    .action(async (id: string, opts: SetFlags) => {
      const body = {
        ...(opts.displayName === undefined ? {} : { displayName: opts.displayName }),
        config: jsonObject(opts.config, '--config'),
        attributes: jsonObject(opts.attributes, '--attributes'),
        ...(opts.rpm === undefined ? {} : { quota: { requestsPerMinute: Number(opts.rpm), ...(opts.burst === undefined ? {} : { burst: Number(opts.burst) }) } }),
        ...(opts.keyRpm === undefined ? {} : { keyQuota: { requestsPerMinute: Number(opts.keyRpm) } }),
      };
      const tenant = await callAdmin<Tenant>(adminTarget(opts), 'PUT', `/v1/tenants/${encodeURIComponent(id)}`, body);
      if (opts.output === 'json') return printJson(tenant);
      process.stderr.write(`tenant ${tenant.id} saved; the next request uses it\n`);
    });

  withAdminFlags(tenants.command('delete'))
    .description('delete a tenant and every key of it')
    .argument('<id>', 'tenant id')
    .action(async (id: string, opts: AdminFlags) => {
      await callAdmin(adminTarget(opts), 'DELETE', `/v1/tenants/${encodeURIComponent(id)}`);
      process.stderr.write(`tenant ${id} and its keys deleted\n`);
    });

  return tenants;
}

function quotaText(q: Quota | undefined): string {
  return q === undefined ? '-' : `${q.requestsPerMinute}/min${q.burst === undefined ? '' : ` burst ${q.burst}`}`;
}

function jsonObject(text: string | undefined, flag: string): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${flag}: expected a JSON object, got ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${flag}: expected a JSON object, got ${text}`);
  return value as Record<string, unknown>;
}

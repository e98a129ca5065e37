/**
 * `mlaas tenants list|get|set|delete`: tenants, their settings, targeting
 * attributes and quotas, through the admin API. A change applies to the next
 * request, no restart.
 */
import { Command } from 'commander';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import type { FlagNames } from './flag-names.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';
import { integerValue, UsageError } from './usage-error.js';

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
  rpm?: number;
  burst?: number;
  keyRpm?: number;
  output: OutputFormat;
}

/** The body fields `tenants set` sends, by the flag that sets each. */
const SET_FLAGS: FlagNames = {
  id: 'ID',
  displayName: '--display-name',
  config: '--config',
  attributes: '--attributes',
  'quota.requestsPerMinute': '--rpm',
  'quota.burst': '--burst',
  keyQuota: '--key-rpm',
};

export function tenantsCommand(): Command {
  const tenants = new Command('tenants').description('list, show, create, change and delete tenants');

  withOutputFlag(withAdminFlags(tenants.command('list')))
    .description('list tenants with their attributes and quotas')
    .action(async (opts: AdminFlags & { output: OutputFormat }) => {
      const { items } = await callAdmin<{ items: Tenant[] }>(adminTarget(opts), 'GET', '/v1/tenants');
      if (printStructured(items, opts.output)) return;
      printTenants(items);
    });

  withOutputFlag(withAdminFlags(tenants.command('set')))
    .description('create a tenant or replace its settings (what is not given is cleared)')
    .argument('<id>', 'tenant id (DNS label)')
    .option('--display-name <name>', 'a readable name')
    .option('--config <json>', 'settings sent to services in x-mlaas-config, as a JSON object')
    .option('--attributes <json>', 'flag-targeting attributes, as a JSON object of strings, numbers, booleans')
    .option('--rpm <n>', 'requests per minute for the whole tenant', integerValue)
    .option('--burst <n>', 'at most this many requests of the tenant in any one second (with --rpm)', integerValue)
    .option('--key-rpm <n>', 'requests per minute for each key that has no quota of its own', integerValue)
    .action(async (id: string, opts: SetFlags) => {
      if (opts.burst !== undefined && opts.rpm === undefined) throw new UsageError('--burst needs --rpm');
      const body = {
        ...(opts.displayName === undefined ? {} : { displayName: opts.displayName }),
        config: jsonObject(opts.config, '--config'),
        attributes: jsonObject(opts.attributes, '--attributes'),
        ...(opts.rpm === undefined ? {} : { quota: { requestsPerMinute: opts.rpm, ...(opts.burst === undefined ? {} : { burst: opts.burst }) } }),
        ...(opts.keyRpm === undefined ? {} : { keyQuota: { requestsPerMinute: opts.keyRpm } }),
      };
      const tenant = await callAdmin<Tenant>(adminTarget(opts), 'PUT', `/v1/tenants/${encodeURIComponent(id)}`, body, SET_FLAGS);
      if (printStructured(tenant, opts.output)) return;
      process.stderr.write(`tenant ${tenant.id} saved; the next request uses it\n`);
    });

  withOutputFlag(withAdminFlags(tenants.command('get')))
    .description('show one tenant')
    .argument('<id>', 'tenant id')
    .action(async (id: string, opts: AdminFlags & { output: OutputFormat }) => {
      const tenant = await callAdmin<Tenant>(adminTarget(opts), 'GET', `/v1/tenants/${encodeURIComponent(id)}`);
      if (printStructured(tenant, opts.output)) return;
      printTenants([tenant]);
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

function printTenants(items: readonly Tenant[]): void {
  printTable(
    ['id', 'name', 'attributes', 'quota', 'key quota', 'config'],
    items.map((t) => [t.id, t.displayName, JSON.stringify(t.attributes), quotaText(t.quota), quotaText(t.keyQuota), JSON.stringify(t.config)]),
  );
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
    throw new UsageError(`${flag}: expected a JSON object, got ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${flag}: expected a JSON object, got ${text}`);
  return value as Record<string, unknown>;
}

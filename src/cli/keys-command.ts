/**
 * `mlaas keys create|list|revoke|rotate`: API keys of tenants, through the
 * admin API. A key's secret is printed once, at creation or rotation;
 * nothing can show it again.
 */
import { Command } from 'commander';
import type { PublicKeyRecord } from '../api/index.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import type { FlagNames } from './flag-names.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';
import { integerValue, UsageError } from './usage-error.js';

type PublicKey = PublicKeyRecord;

interface CreateFlags extends AdminFlags {
  tenant: string;
  description?: string;
  expiresAt?: string;
  scope: string[];
  rpm?: number;
  burst?: number;
  allowTags?: true;
  output: OutputFormat;
}

/** The body fields `keys create` sends, by the flag that sets each. */
const CREATE_FLAGS: FlagNames = {
  description: '--description',
  expiresAt: '--expires-at',
  scopes: '--scope',
  'quota.requestsPerMinute': '--rpm',
  'quota.burst': '--burst',
  allowTags: '--allow-tags',
};

export function keysCommand(): Command {
  const keys = new Command('keys').description('create, list and revoke API keys of tenants');

  withOutputFlag(withAdminFlags(keys.command('create')))
    .description('create an API key for a tenant and print it (shown only this once)')
    .requiredOption('--tenant <id>', 'the tenant the key acts for')
    .option('--description <text>', 'what the key is for')
    .option('--expires-at <time>', 'ISO 8601 time after which the key stops working')
    .option('--scope <service>', 'a service the key may call (repeatable; default: every service)', (v: string, all: string[]) => [...all, v], [])
    .option('--rpm <n>', 'requests per minute the key may make (default: its tenant’s keyQuota, else unlimited)', integerValue)
    .option('--burst <n>', 'at most this many requests in any one second (with --rpm)', integerValue)
    .option('--allow-tags', 'its x-mlaas-tag header picks a revision even on services with tenant rules (a tester’s key)')
    .action(async (opts: CreateFlags) => {
      const body = {
        description: opts.description,
        expiresAt: opts.expiresAt,
        ...(opts.scope.length === 0 ? {} : { scopes: opts.scope }),
        ...quotaOf(opts),
        ...(opts.allowTags === true ? { allowTags: true } : {}),
      };
      const created = await callAdmin<PublicKey & { key: string }>(
        adminTarget(opts),
        'POST',
        `/v1/tenants/${encodeURIComponent(opts.tenant)}/keys`,
        body,
        CREATE_FLAGS,
      );
      if (printStructured(created, opts.output)) return;
      process.stdout.write(`${created.key}\n`);
      process.stderr.write(`key ${created.id} created for tenant ${created.tenantId}; store it now, it is not shown again\n`);
    });

  withOutputFlag(withAdminFlags(keys.command('list')))
    .description('list API keys (never their secrets)')
    .option('--tenant <id>', 'only this tenant’s keys')
    .action(async (opts: AdminFlags & { tenant?: string; output: OutputFormat }) => {
      const query = opts.tenant === undefined ? '' : `?tenant=${encodeURIComponent(opts.tenant)}`;
      const { items } = await callAdmin<{ items: PublicKey[] }>(adminTarget(opts), 'GET', `/v1/keys${query}`, undefined, { tenant: '--tenant' });
      if (printStructured(items, opts.output)) return;
      printTable(
        ['id', 'tenant', 'state', 'scopes', 'quota', 'any tag', 'created', 'expires', 'last used', 'description'],
        items.map((k) => [
          k.id,
          k.tenantId,
          k.revokedAt !== undefined ? 'revoked' : k.expiresAt !== undefined && k.expiresAt <= new Date().toISOString() ? 'expired' : 'active',
          k.scopes?.join(',') ?? '*',
          k.quota === undefined ? '-' : `${k.quota.requestsPerMinute}/min${k.quota.burst === undefined ? '' : ` burst ${k.quota.burst}`}`,
          k.allowTags === true ? 'yes' : 'no',
          k.createdAt,
          k.expiresAt ?? '-',
          k.lastUsedAt ?? '-',
          k.description ?? '',
        ]),
      );
    });

  withAdminFlags(keys.command('revoke'))
    .description('revoke an API key; the next request with it gets 401')
    .argument('<id>', 'key id (the part after mlk_ and before the next _)')
    .action(async (id: string, opts: AdminFlags) => {
      await callAdmin(adminTarget(opts), 'DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      process.stderr.write(`key ${id} revoked\n`);
    });

  withOutputFlag(withAdminFlags(keys.command('rotate')))
    .description('replace a key with a new one for the same tenant, scopes, quota and tag permission; the old one keeps working for the overlap')
    .argument('<id>', 'key id (the part after mlk_ and before the next _)')
    .option('--overlap <duration>', 'how long the old key keeps working: 30s, 15m, 24h…', '24h')
    .action(async (id: string, opts: AdminFlags & { overlap: string; output: OutputFormat }) => {
      const rotated = await callAdmin<PublicKey & { key: string; previous: PublicKey }>(
        adminTarget(opts),
        'POST',
        `/v1/keys/${encodeURIComponent(id)}/rotate`,
        { overlap: opts.overlap },
        { overlap: '--overlap' },
      );
      if (printStructured(rotated, opts.output)) return;
      process.stdout.write(`${rotated.key}\n`);
      process.stderr.write(`key ${rotated.id} replaces ${id}, which stops working at ${rotated.previous.expiresAt ?? '?'}; store the new key now\n`);
    });

  return keys;
}

function quotaOf(opts: CreateFlags): { quota?: { requestsPerMinute: number; burst?: number } } {
  if (opts.rpm === undefined) {
    if (opts.burst !== undefined) throw new UsageError('--burst needs --rpm');
    return {};
  }
  return { quota: { requestsPerMinute: opts.rpm, ...(opts.burst === undefined ? {} : { burst: opts.burst }) } };
}

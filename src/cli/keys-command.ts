/**
 * `mlaas keys create|list|revoke`: API keys of tenants, through the admin API.
 * A key's secret is printed once, at creation; nothing can show it again.
 */
import { Command } from 'commander';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printJson, printTable, withOutputFlag, type OutputFormat } from './output-format.js';

interface PublicKey {
  id: string;
  tenantId: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
  description?: string;
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('create, list and revoke API keys of tenants');

  withOutputFlag(withAdminFlags(keys.command('create')))
    .description('create an API key for a tenant and print it (shown only this once)')
    .requiredOption('--tenant <id>', 'the tenant the key acts for')
    .option('--description <text>', 'what the key is for')
    .option('--expires-at <time>', 'ISO 8601 time after which the key stops working')
    .action(async (opts: AdminFlags & { tenant: string; description?: string; expiresAt?: string; output: OutputFormat }) => {
      const created = await callAdmin<PublicKey & { key: string }>(
        adminTarget(opts),
        'POST',
        `/v1/tenants/${encodeURIComponent(opts.tenant)}/keys`,
        { description: opts.description, expiresAt: opts.expiresAt },
      );
      if (opts.output === 'json') return printJson(created);
      process.stdout.write(`${created.key}\n`);
      process.stderr.write(`key ${created.id} created for tenant ${created.tenantId}; store it now, it is not shown again\n`);
    });

  withOutputFlag(withAdminFlags(keys.command('list')))
    .description('list API keys (never their secrets)')
    .option('--tenant <id>', 'only this tenant’s keys')
    .action(async (opts: AdminFlags & { tenant?: string; output: OutputFormat }) => {
      const query = opts.tenant === undefined ? '' : `?tenant=${encodeURIComponent(opts.tenant)}`;
      const { items } = await callAdmin<{ items: PublicKey[] }>(adminTarget(opts), 'GET', `/v1/keys${query}`);
      if (opts.output === 'json') return printJson(items);
      printTable(
        ['id', 'tenant', 'state', 'created', 'expires', 'last used', 'description'],
        items.map((k) => [
          k.id,
          k.tenantId,
          k.revokedAt !== undefined ? 'revoked' : k.expiresAt !== undefined && k.expiresAt <= new Date().toISOString() ? 'expired' : 'active',
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

  return keys;
}

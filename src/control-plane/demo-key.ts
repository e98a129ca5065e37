/**
 * The demo tenant's API key, so that `mlaas up` can print a working key on
 * every start. Like the admin token, its secret lives only in an owner-only
 * file under the state dir (the store keeps just the hash); a revoked or
 * deleted key is replaced by a new one.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseApiKey } from '../api/api-key.js';
import type { StateStore } from '../state/state-store.js';

export function ensureDemoKey(store: StateStore, stateDir: string, tenantId: string): string {
  const dir = path.join(stateDir, 'demo-keys');
  const file = path.join(dir, tenantId);
  const existing = readIfPresent(file);
  if (existing !== undefined) {
    const parsed = parseApiKey(existing);
    const record = parsed === undefined ? undefined : store.getKey(parsed.id);
    if (record !== undefined && record.tenantId === tenantId && record.revokedAt === undefined) return existing;
  }
  const created = store.createKey(tenantId, { description: 'demo key created by mlaas up' }, { actor: 'up' });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${created.secretKey}\n`, { mode: 0o600 });
  // `mode` applies only to a new file; a replaced one may have been looser.
  chmodSync(file, 0o600);
  return created.secretKey;
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

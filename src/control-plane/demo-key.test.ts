import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDemoKey } from './demo-key.js';
import { FakeStateStore } from '../state/fake-state-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(): { store: FakeStateStore; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-demo-key-'));
  dirs.push(dir);
  const store = new FakeStateStore();
  store.upsertTenant('demo', { displayName: 'Demo', config: {} });
  return { store, dir };
}

describe('ensureDemoKey', () => {
  it('creates a key once and prints the same one on every later start', () => {
    const { store, dir } = setup();
    const first = ensureDemoKey(store, dir, 'demo');
    const second = ensureDemoKey(store, dir, 'demo');
    expect(second).toBe(first);
    expect(store.listKeys('demo')).toHaveLength(1);
    const file = path.join(dir, 'demo-keys', 'demo');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replaces a revoked key with a new one', () => {
    const { store, dir } = setup();
    const first = ensureDemoKey(store, dir, 'demo');
    const [record] = store.listKeys('demo');
    store.revokeKey(record?.id ?? '');
    const second = ensureDemoKey(store, dir, 'demo');
    expect(second).not.toBe(first);
    expect(store.listKeys('demo').filter((k) => k.revokedAt === undefined)).toHaveLength(1);
  });
});

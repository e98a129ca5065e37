// What only the SQLite store can show: the file on disk, its schema version and what survives a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseApiKey } from '../api/api-key.js';
import { MIGRATIONS, SCHEMA_VERSION } from './sqlite-migrations.js';
import { STATE_DB_FILE, SqliteStateStore } from './sqlite-state-store.js';

let stateDir: string;
beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
});
afterEach(() => {
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** Every byte SQLite has written for the store: the database and its WAL. */
function dbBytes(): Buffer {
  return Buffer.concat(
    fs.readdirSync(stateDir)
      .filter((f) => f.startsWith(STATE_DB_FILE))
      .map((f) => fs.readFileSync(path.join(stateDir, f))),
  );
}

describe('SqliteStateStore on disk', () => {
  it('keeps services, tenants, keys and the audit log across close and reopen', () => {
    const first = new SqliteStateStore({ stateDir });
    first.upsertService('spam', { command: ['node', 'server.js'], scaling: { maxInstances: 3 } });
    first.upsertTenant('acme', { displayName: 'Acme', config: { threshold: 0.7 } });
    const { key } = first.createKey('acme', { description: 'ci' });
    first.revokeKey(key.id);
    const audit = first.listAudit();
    first.close();

    const second = new SqliteStateStore({ stateDir });
    try {
      expect(second.getService('spam')?.spec).toEqual({ command: ['node', 'server.js'], scaling: { maxInstances: 3 } });
      expect(second.getTenant('acme')?.config).toEqual({ threshold: 0.7 });
      expect(second.getKey(key.id)).toMatchObject({ tenantId: 'acme', hash: key.hash, description: 'ci' });
      expect(second.getKey(key.id)?.revokedAt).toBeDefined();
      expect(second.listAudit()).toEqual(audit);
    } finally {
      second.close();
    }
  });

  it('never writes the secret to disk, only its hash', () => {
    const store = new SqliteStateStore({ stateDir });
    store.upsertTenant('acme', { displayName: 'Acme', config: {} });
    const { key, secretKey } = store.createKey('acme');
    const secret = parseApiKey(secretKey)?.secret ?? '';
    expect(secret).toHaveLength(43);
    // While open the rows sit in the WAL; after close they are checkpointed into state.db.
    expect(dbBytes().includes(secret)).toBe(false);
    expect(dbBytes().includes(key.hash)).toBe(true);
    store.close();
    expect(dbBytes().includes(secret)).toBe(false);
    expect(dbBytes().includes(secretKey)).toBe(false);
    expect(dbBytes().includes(key.hash)).toBe(true);
  });

  it('opens in WAL mode with foreign keys on and the current schema version', () => {
    const store = new SqliteStateStore({ stateDir });
    store.close();
    const raw = new Database(path.join(stateDir, STATE_DB_FILE));
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['api_keys', 'audit_log', 'services', 'tenants']));
    } finally {
      raw.close();
    }
  });

  it('creates a missing state directory', () => {
    const nested = path.join(stateDir, 'a', 'b');
    const store = new SqliteStateStore({ stateDir: nested });
    store.close();
    expect(fs.existsSync(path.join(nested, STATE_DB_FILE))).toBe(true);
  });

  it('refuses a database written by a newer mlaas and leaves it untouched', () => {
    new SqliteStateStore({ stateDir }).close();
    const raw = new Database(path.join(stateDir, STATE_DB_FILE));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => new SqliteStateStore({ stateDir })).toThrow(/newer than this mlaas understands/);
    const check = new Database(path.join(stateDir, STATE_DB_FILE));
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });

  it('upgrades a database of the revisions era: tenants and keys keep working, with no attributes, scopes or quota', () => {
    const raw = new Database(path.join(stateDir, STATE_DB_FILE));
    for (const sql of MIGRATIONS.slice(0, 2)) raw.exec(sql);
    raw.pragma('user_version = 2');
    raw.prepare("INSERT INTO tenants VALUES ('acme', 'Acme', '{\"threshold\":0.5}', 't', 't')").run();
    raw.prepare("INSERT INTO api_keys (id, tenant_id, hash, created_at) VALUES ('abcdefghijkl', 'acme', 'ff', 't')").run();
    raw.close();
    const store = new SqliteStateStore({ stateDir });
    expect(store.getTenant('acme')).toEqual({ id: 'acme', displayName: 'Acme', config: { threshold: 0.5 }, attributes: {}, createdAt: 't', updatedAt: 't' });
    expect(store.getKey('abcdefghijkl')).toEqual({ id: 'abcdefghijkl', tenantId: 'acme', hash: 'ff', createdAt: 't' });
    expect(store.getFlags()).toBeUndefined();
    store.close();
  });
});

describe('SqliteStateStore shared by processes', () => {
  it('tells a listener of a commit made through another connection to the same file', async () => {
    const controlPlane = new SqliteStateStore({ stateDir });
    const gateway = new SqliteStateStore({ stateDir, migrate: false });
    try {
      const changed = new Promise<void>((resolve) => gateway.onChange(resolve));
      controlPlane.upsertTenant('acme', { displayName: 'Acme', config: {} });
      await changed;
      expect(gateway.listTenants().map((t) => t.id)).toEqual(['acme']);
    } finally {
      gateway.close();
      controlPlane.close();
    }
  });

  it('opened without migrating, refuses a missing file or an older schema and creates nothing', () => {
    expect(() => new SqliteStateStore({ stateDir, migrate: false })).toThrow(/no state database; start the control plane/);
    expect(fs.readdirSync(stateDir)).toEqual([]);
    const db = new Database(path.join(stateDir, STATE_DB_FILE));
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    db.close();
    expect(() => new SqliteStateStore({ stateDir, migrate: false })).toThrow(`schema version 1, expected ${SCHEMA_VERSION}`);
    const check = new Database(path.join(stateDir, STATE_DB_FILE));
    expect(check.pragma('user_version', { simple: true })).toBe(1);
    check.close();
  });
});


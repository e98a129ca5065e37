// What only the PostgreSQL store has to keep (the shared contract is in state-store-contract.test.ts):
// transactions on the server, changes told to other processes, data that outlives a store, and a
// server that is unreachable or goes away.
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../test/postgres-server.js';
import { freePort } from '../runtime/free-port.js';
import { MlaasError } from '../errors.js';
import { PostgresStateStore } from './postgres-state-store.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres-migrations.js';

let postgres: PostgresServer;
let url: string;
const stores: PostgresStateStore[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.close();
});
beforeEach(async () => {
  url = await postgres.createDatabase();
});
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A store on this test's database; two of them are what two processes see. */
function open(at = url): PostgresStateStore {
  const store = new PostgresStateStore({ url: at });
  stores.push(store);
  return store;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Resolves with the time it took once `count()` reaches `n`; rejects after `withinMs`. */
async function reaches(count: () => number, n: number, withinMs: number): Promise<number> {
  const start = Date.now();
  while (count() < n) {
    if (Date.now() - start > withinMs) throw new Error(`reached ${count()} of ${n} in ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe('PostgresStateStore transactions', () => {
  it('keeps an atomically block invisible to other connections until it commits, and undoes it on a throw', () => {
    const writer = open();
    const reader = open();
    writer.atomically(() => {
      writer.upsertTenant('acme', { displayName: 'Acme', config: {} });
      expect(reader.getTenant('acme')).toBeUndefined();
    });
    expect(reader.getTenant('acme')?.displayName).toBe('Acme');

    expect(() =>
      writer.atomically(() => {
        writer.upsertTenant('globex', { displayName: 'Globex', config: {} });
        writer.createKey('globex');
        expect(reader.listKeys()).toEqual([]);
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(reader.getTenant('globex')).toBeUndefined();
    expect(writer.listKeys()).toEqual([]);
    expect(reader.listAudit().map((e) => e.target)).toEqual(['tenant/acme']);
  });
});

describe('PostgresStateStore.onChange', () => {
  it('tells a change committed by another store within 1 s, and one made by the same store', async () => {
    const gateway = open();
    const controlPlane = open();
    let heardByGateway = 0;
    let heardByControlPlane = 0;
    gateway.onChange(() => heardByGateway++);
    controlPlane.onChange(() => heardByControlPlane++);
    controlPlane.upsertTenant('acme', { displayName: 'Acme', config: {} });
    await reaches(() => heardByGateway, 1, 1000);
    await reaches(() => heardByControlPlane, 1, 1000);
    const { key } = controlPlane.createKey('acme');
    controlPlane.revokeKey(key.id);
    await reaches(() => heardByGateway, 2, 1000);
    expect(gateway.getKey(key.id)?.revokedAt).toBeDefined();
  });

  it('tells nothing of a rolled-back block, nor of a key’s last use, and nothing after unsubscribing', async () => {
    const gateway = open();
    const controlPlane = open();
    controlPlane.upsertTenant('acme', { displayName: 'Acme', config: {} });
    const { key } = controlPlane.createKey('acme');
    let heard = 0;
    const unsubscribe = gateway.onChange(() => heard++);
    expect(() =>
      controlPlane.atomically(() => {
        controlPlane.upsertService('spam', {});
        throw new Error('undone');
      }),
    ).toThrow('undone');
    controlPlane.touchKey(key.id);
    // The next real change is the first one heard: the two above sent nothing before it.
    controlPlane.upsertService('echo', {});
    await reaches(() => heard, 1, 1000);
    await new Promise((r) => setTimeout(r, 400));
    expect(heard).toBe(1);
    unsubscribe();
    controlPlane.upsertService('other', {});
    await new Promise((r) => setTimeout(r, 400));
    expect(heard).toBe(1);
  });
});

describe('PostgresStateStore on a database that outlives it', () => {
  it('finds what an earlier store wrote, and migrates the database once', () => {
    const first = open();
    first.upsertTenant('acme', { displayName: 'Acme', config: { threshold: 0.5 } });
    const { key } = first.createKey('acme', { description: 'ci' });
    first.close();
    stores.splice(stores.indexOf(first), 1);
    const second = open();
    expect(second.getTenant('acme')?.config).toEqual({ threshold: 0.5 });
    expect(second.getKey(key.id)?.description).toBe('ci');
    expect(second.listAudit().map((e) => e.action)).toEqual(['key.create', 'tenant.upsert']);
  });

  it('migrates a new database once when several processes start on it at the same time', async () => {
    // Four processes, as four gateways started together: each must find the schema whole, none may fail.
    const built = pathToFileURL(fileURLToPath(new URL('../../dist/src/state/postgres-state-store.js', import.meta.url))).href;
    // Each opens its store at the same moment, once loaded, so that their migrations overlap.
    const script = `import { PostgresStateStore } from ${JSON.stringify(built)};
      await new Promise((r) => setTimeout(r, Number(process.argv[2]) - Date.now()));
      const store = new PostgresStateStore({ url: process.argv[1] });
      store.upsertTenant('t' + process.pid, { displayName: 'T', config: {} });
      store.close();`;
    const at = String(Date.now() + 1500);
    const runs = [1, 2, 3, 4].map(() => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, url, at]));
    await Promise.all(runs);
    expect(open().listTenants()).toHaveLength(4);
  });

  it('refuses a database written by a newer mlaas, and leaves it as it was', async () => {
    open().close();
    stores.length = 0;
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    await raw.query('UPDATE mlaas_schema SET version = 99');
    expect(() => open()).toThrow(
      new RegExp(`state: the database at 127\\.0\\.0\\.1:\\d+ has schema version 99, newer than this mlaas understands \\(${POSTGRES_SCHEMA_VERSION}\\); upgrade mlaas`),
    );
    expect((await raw.query('SELECT version FROM mlaas_schema')).rows).toEqual([{ version: 99 }]);
    await raw.end();
  });
});

describe('PostgresStateStore with migrate: false (mlaas gateway)', () => {
  it('refuses a database no control plane has migrated with PLATFORM_STATE_NOT_READY, creating nothing in it', async () => {
    const err = thrown(() => new PostgresStateStore({ url, migrate: false }));
    expect(err).toBeInstanceOf(MlaasError);
    expect(err).toMatchObject({
      code: 'PLATFORM_STATE_NOT_READY',
      message: expect.stringMatching(/^state: the database at 127\.0\.0\.1:\d+ has schema version 0, expected \d+; start the control plane \(mlaas up\) on it first$/),
    });
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    expect((await raw.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'")).rows).toEqual([{ n: 0 }]);
    await raw.end();
  });

  it('reads a database a control plane migrated, and sees its changes', () => {
    open().upsertTenant('acme', { displayName: 'Acme', config: {} });
    const reader = new PostgresStateStore({ url, migrate: false });
    stores.push(reader);
    expect(reader.listTenants().map((t) => t.id)).toEqual(['acme']);
  });
});

describe('PostgresStateStore without its server', () => {
  it('fails to open on an unreachable server with one line naming the setting and host:port, not the password', async () => {
    const port = await freePort();
    const err = thrown(() => open(`postgres://mlaas:s3cret-pw@127.0.0.1:${port}/mlaas`));
    expect(err).toBeInstanceOf(MlaasError);
    expect((err as MlaasError).code).toBe('ADMIN_STATE_UNAVAILABLE');
    expect((err as MlaasError).message).toBe(`state: cannot connect to PostgreSQL at 127.0.0.1:${port} (connection refused)`);
  });

  it('names a database that does not exist', () => {
    const err = thrown(() => open(postgres.url('nosuchdb')));
    expect(err).toMatchObject({ code: 'ADMIN_STATE_UNAVAILABLE' });
    expect((err as Error).message).toBe(`state: cannot connect to PostgreSQL at 127.0.0.1:${postgres.port} (database "nosuchdb" does not exist)`);
  });

  it('answers ADMIN_STATE_UNAVAILABLE while the server is down, then works again, and tells listeners once it is back', async () => {
    const store = open();
    const other = open();
    let heard = 0;
    store.onChange(() => heard++);
    store.upsertTenant('acme', { displayName: 'Acme', config: {} });
    await reaches(() => heard, 1, 1000);
    await postgres.halt();
    try {
      expect(() => store.listTenants()).toThrow(
        expect.objectContaining({ code: 'ADMIN_STATE_UNAVAILABLE', message: expect.stringMatching(/^state: lost the connection to PostgreSQL at 127\.0\.0\.1:\d+ \(.+\)$/) }),
      );
      expect(() => store.atomically(() => store.upsertService('spam', {}))).toThrow(expect.objectContaining({ code: 'ADMIN_STATE_UNAVAILABLE' }));
    } finally {
      await postgres.resume();
    }
    expect(store.listTenants().map((t) => t.id)).toEqual(['acme']);
    expect(store.listServices()).toEqual([]);
    // Changes made while nobody listened are told once listening is back, and later ones too.
    await reaches(() => heard, 2, 3000);
    other.upsertService('spam', {});
    await reaches(() => heard, 3, 3000);
  });
});

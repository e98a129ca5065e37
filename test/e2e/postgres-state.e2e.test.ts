/**
 * Black-box: `state: postgres://…` in mlaas.yaml (here through `${VAR}`, as a
 * password would be given) puts the state store in PostgreSQL: what `mlaas
 * up` applies lands in its tables, the gateway serves from it, and nothing
 * prints or logs the password. An unreachable database ends `up` with one
 * line naming the setting and host:port.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/runtime/free-port.js';
import { startPostgres, type PostgresServer } from '../postgres-server.js';
import { BIN, startMlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

const PASSWORD = 'pw-that-must-not-show';
let postgres: PostgresServer;
let dir: string;

beforeAll(async () => {
  postgres = await startPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-pg-'));
  writeNodeService(path.join(dir, 'echo'), `  res.end('echo');`);
  writeFileSync(path.join(dir, 'api.yaml'), postRoutesDocument([{ path: '/echo', address: 'mlaas://echo/echo' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `stateDir: .state
state: \${MLAAS_STATE}
gateway: { document: api.yaml }
services:
  echo: { source: echo, command: node server.mjs, scaling: { minInstances: 1 } }
tenants:
  demo: { demoKey: true }
`,
  );
}, 60_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await postgres?.close();
});

/** The database's URL with a password (trust authentication ignores it; the point is where it shows). */
function withPassword(url: string): string {
  return url.replace('postgres://mlaas@', `postgres://mlaas:${PASSWORD}@`);
}

describe('state: postgres://…', () => {
  it('keeps the platform’s state in PostgreSQL and serves from it, never showing the password', async () => {
    const url = await postgres.createDatabase();
    const up = await startMlaasUp(dir, '.state', 120_000, { MLAAS_STATE: withPassword(url) });
    try {
      expect(up.output().stdout).toMatch(new RegExp(`state +postgres://mlaas:\\*\\*\\*@127\\.0\\.0\\.1:${postgres.port}/test_\\d+ `));
      const res = await fetch(`${up.gatewayUrl}/echo`, { method: 'POST', headers: { 'x-api-key': up.demoKey } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('echo');
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        expect((await db.query('SELECT id FROM tenants')).rows).toEqual([{ id: 'demo' }]);
        expect((await db.query("SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = 'demo'")).rows).toEqual([{ n: 1 }]);
        expect((await db.query("SELECT state FROM revisions WHERE service = 'echo'")).rows).toEqual([{ state: 'ready' }]);
      } finally {
        await db.end();
      }
    } finally {
      expect(await up.stop()).toBe(0);
    }
    const { stdout, stderr } = up.output();
    expect(stdout + stderr).not.toContain(PASSWORD);
    expect(readFileSync(path.join(dir, '.state', 'logs', 'mlaas.log'), 'utf8')).not.toContain(PASSWORD);
  }, 150_000);

  it('ends `up` on an unreachable database with one line naming the setting and host:port, and no password', async () => {
    const port = await freePort();
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'up', '-f', 'mlaas.yaml', '--port', '0', '--admin-port', '0'],
        { cwd: dir, timeout: 60_000, env: { ...process.env, MLAAS_STATE: `postgres://mlaas:${PASSWORD}@127.0.0.1:${port}/mlaas` } },
        (err, _out, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr }),
      );
    });
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error'));
    expect(errors).toEqual([`error: state: cannot connect to PostgreSQL at 127.0.0.1:${port} (connection refused) [ADMIN_STATE_UNAVAILABLE]`]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain(PASSWORD);
  }, 90_000);
});

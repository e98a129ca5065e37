/**
 * A throw-away PostgreSQL server for tests, from Debian's `postgresql`
 * package (.ci/run installs it): `initdb` into a temporary directory, the
 * server on a free loopback port with its socket in that directory, trust
 * authentication for user `mlaas`, durability off (nothing here must survive
 * a crash). One per test file; a fresh database per test is one
 * `CREATE DATABASE` (milliseconds). PostgreSQL refuses to run as root, so as
 * root the server runs as the package's `postgres` user (else `nobody`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../src/runtime/free-port.js';
import { resolveInstanceUser, type InstanceUser } from '../src/runtime/instance-user.js';

const run = promisify(execFile);

export interface PostgresServer {
  port: number;
  /** The URL of `database` on this server, as user `mlaas`. */
  url(database: string): string;
  /** A new, empty database; answers its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected), keeping its files: to test losing the database. */
  halt(): Promise<void>;
  /** Starts the halted server again on the same port and files. */
  resume(): Promise<void>;
  /** Stops the server and removes every file it had. */
  close(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL installed, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBinDir(root = '/usr/lib/postgresql'): string {
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) throw new Error(`no PostgreSQL under ${root}: apt-get install postgresql`);
  return path.join(root, versions[0], 'bin');
}

/** The user the server runs as: undefined when this process is not root (it runs as this user). */
function serverUser(): InstanceUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return resolveInstanceUser('postgres', { platformUid: 0 });
  } catch {
    return resolveInstanceUser('nobody', { platformUid: 0 });
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-pg-'));
  const data = path.join(dir, 'data');
  const as = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  if (user !== undefined) fs.chownSync(dir, user.uid, user.gid);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'mlaas', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...as, env });
  const port = await freePort();
  const url = (database: string): string => `postgres://mlaas@127.0.0.1:${port}/${database}`;

  let server: ChildProcess | undefined;
  let admin: pg.Client | undefined;
  let databases = 0;

  const start = async (): Promise<void> => {
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    for (const setting of ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']) args.push('-c', setting);
    const child = spawn(path.join(bin, 'postgres'), args, { ...as, env, stdio: ['ignore', 'ignore', 'pipe'] });
    server = child;
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`postgres exited (${code}) before it was ready:\n${log}`))));
    exited.catch(() => undefined);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const client = new pg.Client({ connectionString: url('postgres') });
      try {
        await Promise.race([client.connect(), exited]);
        admin = client;
        return;
      } catch (err) {
        await client.end().catch(() => undefined);
        if (child.exitCode !== null || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const halt = async (): Promise<void> => {
    await admin?.end().catch(() => undefined);
    admin = undefined;
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(killer);
  };

  try {
    await start();
  } catch (err) {
    await halt();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    port,
    url,
    async createDatabase() {
      const name = `test_${++databases}`;
      if (admin === undefined) throw new Error('the PostgreSQL server is halted');
      await admin.query(`CREATE DATABASE ${name}`);
      return url(name);
    },
    halt,
    resume: start,
    async close() {
      await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

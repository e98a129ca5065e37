// The runtime pool with real processes: the built host (dist/src/runtime/node-pool-host.js,
// `npm run build`) preloading the repository's own ONNX Runtime, SDK and zod for the fixtures.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { reapOrphans } from './reap-orphans.js';
import { RuntimePool, type RuntimePoolOptions } from './runtime-pool.js';
import { Supervisor, type InstanceSpec } from './supervisor.js';
import { logOf, until, warmPool } from '../../test/runtime-pool-support.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const hostScript = path.join(import.meta.dirname, '..', '..', 'dist', 'src', 'runtime', 'node-pool-host.js');
const logsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-pool-'));
const owner = path.join(logsDir, 'state');
const supervisors: Supervisor[] = [];
const INSTANCE_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stopAll({ drainTimeoutMs: 1_000 })));
});
afterAll(() => fs.rmSync(logsDir, { recursive: true, force: true }));

function setUp(poolOptions: Partial<RuntimePoolOptions> = {}): { sup: Supervisor; pool: RuntimePool; failures: string[] } {
  const failures: string[] = [];
  const pool = new RuntimePool({ size: 1, refillDelayMs: 0, hostScripts: { node: hostScript }, user: INSTANCE_USER, onFailure: (r) => failures.push(r), ...poolOptions });
  const sup = new Supervisor({ logsDir, pool, user: INSTANCE_USER, restartBackoff: { initialMs: 50, maxMs: 1_000, factor: 2 } });
  supervisors.push(sup);
  return { sup, pool, failures };
}

function fresh(): Supervisor {
  const sup = new Supervisor({ logsDir, user: INSTANCE_USER });
  supervisors.push(sup);
  return sup;
}

function spec(key: string, fixture: string, extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    key,
    service: key,
    revision: `${key}-00001`,
    cwd: fixtures,
    command: ['node', fixture],
    env: { FIXTURE_GREETING: 'hello', TZ: 'UTC' },
    models: { classifier: '/models/spam.onnx' },
    marks: { MLAAS_OWNER: owner },
    readiness: { path: '/healthz', timeoutMs: 5_000 },
    drainTimeoutMs: 2_000,
    ...extra,
  };
}

function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

interface Report {
  env: Record<string, string>;
  cwd: string;
  argv: string[];
  argv0: string;
  execArgv: string[];
  uid: number;
  gid: number;
  moduleUrl: string;
  loaded: string[];
}

describe('RuntimePool', () => {
  it('starts an instance in a process that was waiting with ONNX Runtime loaded, and starts another for the next', async () => {
    const { sup, pool } = setUp();
    const s = spec('pooled', 'report-server.mjs');
    const waitingPid = await warmPool(sup, pool, s);
    const [target] = await sup.ensure(s, 1);
    expect(sup.status()[0]?.instances[0]?.pid).toBe(waitingPid);
    const report = JSON.parse((await get(target?.port ?? 0, '/report')).body) as Report;
    expect(report.loaded.some((file) => file.includes(`${path.sep}onnxruntime-node${path.sep}`))).toBe(true);
    expect(logOf(sup, 'pooled')).toContain('(a pre-started runtime from the pool)');
    // The pool refills in the background: a new waiting process, not the one taken.
    await until(() => pool.status()[0]?.warm === 1, 20_000);
    expect(pool.status()[0]?.pids).not.toContain(waitingPid);
  });

  it('takes a pooled process still loading its modules: the instance starts all the same', async () => {
    const { sup, pool } = setUp();
    const s = spec('early', 'report-server.mjs');
    sup.scale(s, 0);
    await until(() => pool.status()[0]?.waiting === 1);
    expect(pool.status()[0]?.warm).toBe(0);
    const [target] = await sup.ensure(s, 1);
    expect(logOf(sup, 'early')).toContain('from the pool');
    const report = JSON.parse((await get(target?.port ?? 0, '/report')).body) as Report;
    expect(report.env['PORT']).toBe(String(target?.port));
  });

  it('gives a pooled instance what a fresh one gets: environment with its PORT, cwd, argv, execArgv, user', async () => {
    const { sup, pool } = setUp();
    const s = spec('same', 'report-server.mjs');
    await warmPool(sup, pool, s);
    const [pooledTarget] = await sup.ensure(s, 1);
    const freshSup = fresh();
    const [freshTarget] = await freshSup.ensure(spec('same', 'report-server.mjs'), 1);
    const pooled = JSON.parse((await get(pooledTarget?.port ?? 0, '/report')).body) as Report;
    const started = JSON.parse((await get(freshTarget?.port ?? 0, '/report')).body) as Report;
    expect(logOf(sup, 'same')).toContain('from the pool');
    expect(pooled.env['PORT']).toBe(String(pooledTarget?.port));
    expect(pooled.env['MLAAS_INSTANCE']).toBe(pooledTarget?.id);
    const perInstance = (r: Report) => ({ ...r.env, PORT: '-', MLAAS_INSTANCE: '-' });
    expect(perInstance(pooled)).toEqual(perInstance(started));
    expect(pooled.env).toMatchObject({ FIXTURE_GREETING: 'hello', TZ: 'UTC', MLAAS_MODEL_CLASSIFIER: '/models/spam.onnx', K_REVISION: 'same-00001' });
    expect({ cwd: pooled.cwd, argv: pooled.argv, argv0: pooled.argv0, execArgv: pooled.execArgv, moduleUrl: pooled.moduleUrl }).toEqual({
      cwd: started.cwd,
      argv: started.argv,
      argv0: started.argv0,
      execArgv: started.execArgv,
      moduleUrl: started.moduleUrl,
    });
    expect({ uid: pooled.uid, gid: pooled.gid }).toEqual({ uid: started.uid, gid: started.gid });
    if (INSTANCE_USER !== undefined) expect(pooled.uid).toBe(INSTANCE_USER.uid);
  });

  it('runs a CommonJS script as require.main, as `node script.cjs` does', async () => {
    const { sup, pool } = setUp();
    const s = spec('cjs', 'report-server.cjs');
    await warmPool(sup, pool, s);
    const [target] = await sup.ensure(s, 1);
    expect(logOf(sup, 'cjs')).toContain('from the pool');
    expect(JSON.parse((await get(target?.port ?? 0, '/')).body)).toEqual({
      isMain: true,
      filename: path.join(fixtures, 'report-server.cjs'),
      argv: [expect.any(String), path.join(fixtures, 'report-server.cjs')],
      cwd: fixtures,
    });
  });

  it('puts what a pooled instance writes on stdout and stderr in its own log', async () => {
    const { sup, pool } = setUp();
    const s = spec('output', 'report-server.mjs');
    await warmPool(sup, pool, s);
    const [target] = await sup.ensure(s, 1);
    await until(() => logOf(sup, 'output').includes('report-server stderr line'));
    const lines = logOf(sup, 'output')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stream: string; msg: string; instance: string });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: 'stdout', msg: `report-server listening on ${target?.port}`, instance: target?.id }),
        expect.objectContaining({ stream: 'stderr', msg: 'report-server stderr line', instance: target?.id }),
      ]),
    );
  });

  it('holds a pooled instance back until /healthz answers 200, and fails its start with the reason when it never does', async () => {
    const { sup, pool } = setUp();
    const s = spec('unready', 'never-ready.mjs', { readiness: { path: '/healthz', timeoutMs: 600 } });
    await warmPool(sup, pool, s);
    await expect(sup.ensure(s, 1)).rejects.toMatchObject({ code: 'RUNTIME_START_FAILED', message: expect.stringMatching(/not ready after 600ms: GET \/healthz answered 503/) });
    expect(sup.ready('unready')).toHaveLength(0);
  });

  it('restarts a pooled instance that crashes, and says why it ended', async () => {
    const { sup, pool } = setUp();
    const s = spec('crashy', 'crash-on-request.mjs');
    await warmPool(sup, pool, s);
    const [first] = await sup.ensure(s, 1);
    await get(first?.port ?? 0, '/crash').catch(() => undefined);
    await until(() => (sup.status()[0]?.instances[0]?.restarts ?? 0) >= 1 && sup.ready('crashy').length === 1);
    expect(sup.status()[0]?.lastExit).toMatchObject({ code: 3, reason: expect.stringMatching(/^exited with code 3/) });
  });

  it('drains a pooled instance on stop: the request in flight finishes', async () => {
    const { sup, pool } = setUp();
    const s = spec('drain', 'slow-drain.mjs');
    await warmPool(sup, pool, s);
    const [target] = await sup.ensure(s, 1);
    const slow = get(target?.port ?? 0, '/slow?ms=400');
    await until(() => logOf(sup, 'drain').includes('slow request started'));
    await sup.stopKey('drain');
    expect(await slow).toEqual({ status: 200, body: 'finished' });
  });

  it('starts pooled processes with the owner mark, so a crashed platform’s leftovers are reaped', async () => {
    const { sup, pool } = setUp();
    const pid = await warmPool(sup, pool, spec('marked', 'report-server.mjs'));
    expect(reapOrphans(owner)).toContain(pid);
    await until(() => !pool.status()[0]?.pids.includes(pid));
  });

  it('keeps no process waiting with size 0, and starts instances as fresh processes', async () => {
    const { sup, pool } = setUp({ size: 0 });
    const s = spec('nopool', 'report-server.mjs');
    sup.scale(s, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.status()).toEqual([]);
    await sup.ensure(s, 1);
    expect(logOf(sup, 'nopool')).not.toContain('from the pool');
  });

  it('starts an instance whose command has Node options, or is not node, as a fresh process', async () => {
    const { sup, pool } = setUp();
    const ineligible = [
      spec('flags', 'report-server.mjs', { command: ['node', '--no-warnings', 'report-server.mjs'] }),
      spec('options', 'report-server.mjs', { env: { NODE_OPTIONS: '--no-warnings' } }),
      spec('shell', 'report-server.mjs', { command: ['sh', '-c', 'exec node report-server.mjs'] }),
    ];
    for (const s of ineligible) sup.scale(s, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.status()).toEqual([]);
    for (const s of ineligible) {
      const [target] = await sup.ensure(s, 1);
      expect((await get(target?.port ?? 0, '/healthz')).status).toBe(200);
      expect(logOf(sup, s.key)).not.toContain('from the pool');
    }
  });

  it('gives up on a runtime kind whose pooled processes keep dying before they are taken, says why, and starts its instances fresh', async () => {
    const { sup, pool, failures } = setUp({ hostScripts: { node: path.join(fixtures, 'exit-at-start.mjs') } });
    const s = spec('broken', 'report-server.mjs');
    sup.scale(s, 0);
    await until(() => pool.status()[0]?.failed === true);
    await until(() => failures.length === 3);
    expect(failures[0]).toMatch(/^a pooled node process exited with code 1 before an instance took it/);
    expect(failures[2]).toMatch(/gave up after 3 in a row, its instances start without the pool$/);
    const [target] = await sup.ensure(s, 1);
    expect((await get(target?.port ?? 0, '/healthz')).status).toBe(200);
    expect(logOf(sup, 'broken')).not.toContain('from the pool');
  });

  it('stops its waiting processes when the platform stops', async () => {
    const { sup, pool } = setUp();
    const pid = await warmPool(sup, pool, spec('stopping', 'report-server.mjs'));
    await sup.stopAll();
    expect(pool.status()).toEqual([]);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

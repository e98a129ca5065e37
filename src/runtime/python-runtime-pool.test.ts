// The runtime pool's Python half with real processes: a venv made from Debian's python3 (which sees
// python3-fastapi and python3-uvicorn), the host src/runtime/python-pool-host.py, the fixtures and
// examples/fastapi-sentiment as the services.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RuntimePool, type RuntimePoolOptions } from './runtime-pool.js';
import { Supervisor, type InstanceSpec } from './supervisor.js';
import { logOf, until, warmPool } from '../../test/runtime-pool-support.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-pypool-'));
// The instances' user must reach the venv and the example.
fs.chmodSync(root, 0o755);
// A copy: the interpreter may write __pycache__ beside the example's modules.
const sentiment = path.join(root, 'fastapi-sentiment');
const venv = path.join(root, 'venv');
const logsDir = path.join(root, 'logs');
const owner = path.join(root, 'state');
const supervisors: Supervisor[] = [];
const INSTANCE_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
/** The platform's environment as the supervisor sees it: the venv first on PATH, as an artifact's env puts it. */
const baseEnv = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8', TZ: 'UTC' };

beforeAll(() => {
  fs.cpSync(path.join(import.meta.dirname, '..', '..', 'examples', 'fastapi-sentiment'), sentiment, { recursive: true, filter: (f) => !/(__pycache__|\.test\.ts)$/.test(f) });
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', '--without-pip', venv]);
});
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stopAll({ drainTimeoutMs: 1_000 })));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function setUp(poolOptions: Partial<RuntimePoolOptions> = {}, env: NodeJS.ProcessEnv = baseEnv): { sup: Supervisor; pool: RuntimePool; failures: string[] } {
  const failures: string[] = [];
  const pool = new RuntimePool({ size: 1, refillDelayMs: 0, user: INSTANCE_USER, onFailure: (r) => failures.push(r), ...poolOptions });
  const sup = new Supervisor({ logsDir, baseEnv: env, pool, user: INSTANCE_USER, restartBackoff: { initialMs: 50, maxMs: 1_000, factor: 2 } });
  supervisors.push(sup);
  return { sup, pool, failures };
}

function fresh(env: NodeJS.ProcessEnv = baseEnv): Supervisor {
  const sup = new Supervisor({ logsDir, baseEnv: env, user: INSTANCE_USER });
  supervisors.push(sup);
  return sup;
}

function spec(key: string, script: string, extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    key,
    service: key,
    revision: `${key}-00001`,
    cwd: fixtures,
    command: ['python', script],
    env: { PATH: `${venv}/bin:/usr/bin:/bin`, VIRTUAL_ENV: venv, FIXTURE_GREETING: 'hello' },
    models: { classifier: '/models/sentiment.onnx' },
    marks: { MLAAS_OWNER: owner },
    readiness: { path: '/healthz', timeoutMs: 10_000 },
    drainTimeoutMs: 2_000,
    ...extra,
  };
}

function request(port: number, method: string, urlPath: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Report {
  name: string;
  file: string;
  argv: string[];
  origArgv: string[];
  path0: string;
  executable: string;
  prefix: string;
  cwd: string;
  uid: number;
  gid: number;
  env: Record<string, string>;
  fastapiLoaded: boolean;
}

async function report(port: number | undefined): Promise<Report> {
  return JSON.parse((await request(port ?? 0, 'GET', '/report')).body) as Report;
}

const perInstance = (r: Report) => ({ ...r.env, PORT: '-', MLAAS_INSTANCE: '-' });
const processOf = (r: Report) => ({ name: r.name, file: r.file, argv: r.argv, origArgv: r.origArgv, path0: r.path0, executable: r.executable, prefix: r.prefix, cwd: r.cwd, uid: r.uid, gid: r.gid });

describe('RuntimePool with Python', () => {
  it('starts the FastAPI example in a process that had imported FastAPI and uvicorn, and it answers as a fresh one does', async () => {
    const { sup, pool } = setUp();
    const s = spec('sentiment', 'serve.py', { cwd: sentiment });
    const waitingPid = await warmPool(sup, pool, s);
    expect(pool.status()[0]).toMatchObject({ runtime: 'python', executable: path.join(venv, 'bin', 'python'), preloads: expect.arrayContaining(['fastapi', 'uvicorn']) });
    const [pooledTarget] = await sup.ensure(s, 1);
    expect(sup.status()[0]?.instances[0]?.pid).toBe(waitingPid);
    expect(logOf(sup, 'sentiment')).toContain('(a pre-started runtime from the pool)');
    const [freshTarget] = await fresh().ensure(spec('sentiment', 'serve.py', { cwd: sentiment }), 1);
    const calls: Array<[string, string, string | undefined, Record<string, string>]> = [
      ['POST', '/predict', JSON.stringify({ text: 'I really love this, the support was excellent' }), { 'content-type': 'application/json', 'x-mlaas-tenant': 'acme' }],
      ['POST', '/predict', JSON.stringify({ text: 'This is not good, terrible and slow' }), { 'content-type': 'application/json' }],
      ['POST', '/predict', JSON.stringify({ text: '' }), { 'content-type': 'application/json', 'x-request-id': 'req-7' }],
      ['GET', '/healthz', undefined, {}],
    ];
    for (const [method, urlPath, body, headers] of calls) {
      const pooled = await request(pooledTarget?.port ?? 0, method, urlPath, body, headers);
      const started = await request(freshTarget?.port ?? 0, method, urlPath, body, headers);
      expect(pooled).toEqual(started);
    }
    expect(JSON.parse((await request(pooledTarget?.port ?? 0, 'POST', '/predict', calls[0]?.[2], calls[0]?.[3])).body)).toMatchObject({ label: 'positive', tenant: 'acme' });
    // uvicorn's own start-up lines, in the instance's log.
    await until(() => logOf(sup, 'sentiment').includes('Uvicorn running on'));
    // The pool refills in the background: a new waiting process, not the one taken.
    await until(() => pool.status()[0]?.warm === 1, 20_000);
    expect(pool.status()[0]?.pids).not.toContain(waitingPid);
  });

  it('gives a pooled instance what `python script.py` gets: environment with its PORT, cwd, sys.argv, sys.path[0], __main__, venv, user', async () => {
    const { sup, pool } = setUp();
    const command = ['python', 'report_server.py', '--flag', 'x'];
    const s = spec('same', 'report_server.py', { command });
    await warmPool(sup, pool, s);
    const [pooledTarget] = await sup.ensure(s, 1);
    const [freshTarget] = await fresh().ensure(spec('same', 'report_server.py', { command }), 1);
    const pooled = await report(pooledTarget?.port);
    const started = await report(freshTarget?.port);
    expect(logOf(sup, 'same')).toContain('from the pool');
    expect(pooled.env['PORT']).toBe(String(pooledTarget?.port));
    expect(pooled.env['MLAAS_INSTANCE']).toBe(pooledTarget?.id);
    expect(perInstance(pooled)).toEqual(perInstance(started));
    expect(pooled.env).toMatchObject({ FIXTURE_GREETING: 'hello', MLAAS_MODEL_CLASSIFIER: '/models/sentiment.onnx', K_REVISION: 'same-00001' });
    expect(processOf(pooled)).toEqual(processOf(started));
    expect(processOf(pooled)).toMatchObject({
      name: '__main__',
      file: path.join(fixtures, 'report_server.py'),
      argv: ['report_server.py', '--flag', 'x'],
      origArgv: command,
      path0: fixtures,
      cwd: fixtures,
      executable: path.join(venv, 'bin', 'python'),
      prefix: venv,
    });
    // The framework was imported ahead, though this script never imports it.
    expect(pooled.fastapiLoaded).toBe(true);
    if (INSTANCE_USER !== undefined) expect(pooled.uid).toBe(INSTANCE_USER.uid);
  });

  it('takes a pooled interpreter still importing the framework: the instance starts once the imports are done', async () => {
    const { sup, pool } = setUp();
    const s = spec('early', 'report_server.py');
    sup.scale(s, 0);
    await until(() => pool.status()[0]?.waiting === 1);
    expect(pool.status()[0]?.warm).toBe(0);
    const [target] = await sup.ensure(s, 1);
    expect(logOf(sup, 'early')).toContain('from the pool');
    const r = await report(target?.port);
    expect({ port: r.env['PORT'], fastapiLoaded: r.fastapiLoaded }).toEqual({ port: String(target?.port), fastapiLoaded: true });
  });

  it('adds to the environment what a fresh interpreter adds to its own: LC_CTYPE for a C locale', async () => {
    const noLocale = { PATH: '/usr/bin:/bin', HOME: '/nonexistent' };
    const { sup, pool } = setUp({}, noLocale);
    const s = spec('clocale', 'report_server.py');
    await warmPool(sup, pool, s);
    const [pooledTarget] = await sup.ensure(s, 1);
    const [freshTarget] = await fresh(noLocale).ensure(spec('clocale', 'report_server.py'), 1);
    const pooled = await report(pooledTarget?.port);
    const started = await report(freshTarget?.port);
    expect(logOf(sup, 'clocale')).toContain('from the pool');
    expect(started.env['LC_CTYPE']).toBe('C.UTF-8');
    expect(perInstance(pooled)).toEqual(perInstance(started));
  });

  it('puts what a pooled instance writes on stdout and stderr in its own log', async () => {
    const { sup, pool } = setUp();
    const s = spec('output', 'report_server.py');
    await warmPool(sup, pool, s);
    const [target] = await sup.ensure(s, 1);
    await until(() => logOf(sup, 'output').includes('report_server stderr line'));
    const lines = logOf(sup, 'output')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stream: string; msg: string; instance: string });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: 'stdout', msg: `report_server listening on ${target?.port}`, instance: target?.id }),
        expect.objectContaining({ stream: 'stderr', msg: 'report_server stderr line', instance: target?.id }),
      ]),
    );
  });

  it('drains a pooled uvicorn instance on stop: SIGTERM reaches uvicorn, and the request in flight finishes', async () => {
    const { sup, pool } = setUp();
    const s = spec('drain', 'slow_drain_server.py');
    await warmPool(sup, pool, s);
    const [target] = await sup.ensure(s, 1);
    expect(logOf(sup, 'drain')).toContain('from the pool');
    const logFile = sup.status()[0]?.instances[0]?.logFile as string;
    const slow = request(target?.port ?? 0, 'GET', '/slow?ms=600');
    await until(() => logOf(sup, 'drain').includes('slow request started'));
    await sup.stopKey('drain');
    expect(await slow).toEqual({ status: 200, body: '"finished"' });
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(/Shutting down[\s\S]*Finished server process/);
  });

  it('restarts a pooled instance that crashes, and says why it ended', async () => {
    const { sup, pool } = setUp();
    const s = spec('crashy', 'report_server.py');
    await warmPool(sup, pool, s);
    const [first] = await sup.ensure(s, 1);
    await request(first?.port ?? 0, 'GET', '/crash').catch(() => undefined);
    await until(() => (sup.status()[0]?.instances[0]?.restarts ?? 0) >= 1 && sup.ready('crashy').length === 1);
    expect(sup.status()[0]?.lastExit).toMatchObject({ code: 3, reason: expect.stringMatching(/^exited with code 3/) });
  });

  it('fails the start of a pooled instance whose script raises as `python script.py` does: exit code 1, its own traceback', async () => {
    const { sup, pool } = setUp();
    const s = spec('raises', 'raise_at_start.py');
    await warmPool(sup, pool, s);
    const pooled = await sup.ensure(s, 1).catch((e: unknown) => e as Error);
    const started = await fresh().ensure(spec('raises', 'raise_at_start.py'), 1).catch((e: unknown) => e as Error);
    for (const err of [pooled, started]) {
      expect(err).toMatchObject({ code: 'RUNTIME_START_FAILED', message: expect.stringMatching(/exited with code 1 before becoming ready; last stderr: .*RuntimeError: model file not found/) });
    }
    // The whole traceback, from the instance's log: the script's frames, none of the pool host's.
    const tracebackOf = (e: unknown) => {
      const log = /\(log: (\S+)\)$/.exec((e as Error).message)?.[1] as string;
      const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stream: string; msg: string });
      return lines.filter((l) => l.stream === 'stderr').map((l) => l.msg);
    };
    expect(tracebackOf(pooled)).toEqual(tracebackOf(started));
    expect(tracebackOf(pooled)[0]).toBe('Traceback (most recent call last):');
  });

  it('replaces a waiting pooled process that dies, says so, and the next cold start takes the replacement', async () => {
    const { sup, pool, failures } = setUp();
    const s = spec('killed', 'report_server.py');
    const pid = await warmPool(sup, pool, s);
    process.kill(pid, 'SIGKILL');
    await until(() => failures.length === 1);
    expect(failures[0]).toMatch(/^a pooled python process killed by SIGKILL before an instance took it/);
    await until(() => pool.status()[0]?.warm === 1, 20_000);
    const replacement = pool.status()[0]?.pids[0];
    expect(replacement).not.toBe(pid);
    const [target] = await sup.ensure(s, 1);
    expect(sup.status()[0]?.instances[0]?.pid).toBe(replacement);
    expect((await report(target?.port)).env['PORT']).toBe(String(target?.port));
  });

  it('gives up on a Python runtime whose pooled processes keep dying before they are taken, and starts its instances fresh', async () => {
    const { sup, pool, failures } = setUp({ hostScripts: { python: path.join(fixtures, 'exit_at_start.py') } });
    const s = spec('broken', 'report_server.py');
    sup.scale(s, 0);
    await until(() => pool.status()[0]?.failed === true, 20_000);
    await until(() => failures.length === 3);
    expect(failures[0]).toMatch(/^a pooled python process exited with code 1 before an instance took it: fatal: cannot start the pool host/);
    const [target] = await sup.ensure(s, 1);
    expect((await request(target?.port ?? 0, 'GET', '/healthz')).status).toBe(200);
    expect(logOf(sup, 'broken')).not.toContain('from the pool');
  });

  it('starts an instance whose command `python script.py` would not be exactly as a fresh process: -m, options, -c, not python', async () => {
    const { sup, pool } = setUp();
    const ineligible = [
      // -m would leave a __pycache__ among the fixtures when the tests do not run as root.
      spec('module', 'report_server.py', { command: ['python', '-m', 'report_server'], env: { ...spec('module', 'report_server.py').env, PYTHONDONTWRITEBYTECODE: '1' } }),
      spec('options', 'report_server.py', { command: ['python', '-u', 'report_server.py'] }),
      spec('inline', 'report_server.py', { command: ['python', '-c', 'import runpy; runpy.run_path("report_server.py", run_name="__main__")'] }),
      spec('shell', 'report_server.py', { command: ['sh', '-c', 'exec python report_server.py'] }),
    ];
    for (const s of ineligible) sup.scale(s, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.status()).toEqual([]);
    for (const s of ineligible) {
      const [target] = await sup.ensure(s, 1);
      expect((await report(target?.port)).fastapiLoaded).toBe(false);
      expect(logOf(sup, s.key)).not.toContain('from the pool');
    }
  });

  it('stops its waiting Python processes when the platform stops', async () => {
    const { sup, pool } = setUp();
    const pid = await warmPool(sup, pool, spec('stopping', 'report_server.py'));
    await sup.stopAll();
    expect(pool.status()).toEqual([]);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

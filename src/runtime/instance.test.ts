import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { Instance, type InstanceOptions } from './instance.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const logsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
const started: Instance[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((instance) => instance.stop({ drainTimeoutMs: 1_000 })));
});
afterAll(() => fs.rmSync(logsDir, { recursive: true, force: true }));

async function instanceOf(fixture: string, extra: Partial<InstanceOptions> = {}): Promise<Instance> {
  const instance = new Instance({
    id: `${path.basename(fixture, '.mjs')}-${started.length}`,
    service: 'svc',
    host: '127.0.0.1',
    port: await freePort(),
    cwd: fixtures,
    command: [process.execPath, path.join(fixtures, fixture)],
    env: {},
    models: {},
    baseEnv: process.env,
    logsDir,
    readiness: { path: '/healthz', timeoutMs: 5_000 },
    drainTimeoutMs: 5_000,
    now: () => Date.now(),
    ...extra,
  });
  started.push(instance);
  return instance;
}

/** The exit note is written once the process's streams have closed, just after `stop` resolves. */
async function waitForLine(file: string, line: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !line.test(fs.readFileSync(file, 'utf8')); i++) await new Promise((r) => setTimeout(r, 20));
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

/** A zombie (exited, not yet reaped by init) counts as gone. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

describe('Instance', () => {
  it('gives the process PORT, its model paths and its identity in the environment', async () => {
    const instance = await instanceOf('healthz-server.mjs', {
      revision: 'svc-00003',
      env: { FIXTURE_GREETING: 'hi' },
      models: { spam: '/models/spam/3/model.onnx', 'text-embedder': '/models/te/1' },
      drainTimeoutMs: 4_000,
      baseEnv: { ...process.env, MLAAS_ADMIN_TOKEN: 'secret-of-the-parent' },
    });
    await instance.start();
    expect(instance.state).toBe('ready');
    const env = JSON.parse((await get(instance.port, '/env')).body) as Record<string, string>;
    expect(env).toEqual({
      PORT: String(instance.port),
      FIXTURE_GREETING: 'hi',
      MLAAS_MODEL_SPAM: '/models/spam/3/model.onnx',
      MLAAS_MODEL_TEXT_EMBEDDER: '/models/te/1',
      MLAAS_SERVICE: 'svc',
      MLAAS_REVISION: 'svc-00003',
      MLAAS_INSTANCE: instance.id,
      MLAAS_DRAIN_TIMEOUT_MS: '4000',
    });
  });

  it('appends stdout and stderr to <logsDir>/<service>/<id>.log', async () => {
    const instance = await instanceOf('healthz-server.mjs');
    await instance.start();
    await instance.stop();
    expect(instance.logFile).toBe(path.join(logsDir, 'svc', `${instance.id}.log`));
    const log = fs.readFileSync(instance.logFile, 'utf8');
    expect(log).toContain(`listening on ${instance.port}`);
    expect(log).toContain('this line goes to stderr');
  });

  it('writes its output as JSON lines naming service, revision, instance and stream, keeping the fields of JSON lines', async () => {
    const instance = await instanceOf('mixed-output.mjs', { revision: 'svc-00003' });
    await instance.start();
    await instance.stop();
    await waitForLine(instance.logFile, /stopped: exited with code 0/);
    const lines = fs.readFileSync(instance.logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const own = { service: 'svc', revision: 'svc-00003', instance: instance.id };
    expect(lines[0]).toMatchObject({ ...own, stream: 'mlaas', level: 30, msg: expect.stringContaining(`starting ${instance.id} on 127.0.0.1:${instance.port}`) });
    expect(lines).toContainEqual({ ...own, stream: 'stdout', level: 30, time: expect.any(Number), msg: 'plain line' });
    expect(lines).toContainEqual({ ...own, stream: 'stderr', level: 40, time: 1, msg: 'structured', requestId: 'r-1' });
    expect(lines).toContainEqual({ ...own, stream: 'stdout', level: 30, time: expect.any(Number), msg: 'no newline yet' });
    expect(lines.at(-1)).toMatchObject({ ...own, stream: 'mlaas', msg: `${instance.id} stopped: exited with code 0` });
  });

  it('reports the exit code of a process that dies before it is ready', async () => {
    const instance = await instanceOf('exit-at-start.mjs');
    await expect(instance.start()).rejects.toMatchObject({
      code: 'RUNTIME_START_FAILED',
      message: expect.stringContaining('exited with code 1 before becoming ready'),
    });
    expect(instance.state).toBe('crashed');
    expect(fs.readFileSync(instance.logFile, 'utf8')).toContain('fatal: model file not found');
  });

  it('has the whole output of a process that died before it was ready in its log once start() fails', async () => {
    const instance = await instanceOf('exit-after-output.mjs');
    await expect(instance.start()).rejects.toMatchObject({ code: 'RUNTIME_START_FAILED' });
    const log = fs.readFileSync(instance.logFile, 'utf8');
    expect(log).toContain('trace line 19999');
    expect(log).toContain('fatal: last words');
  });

  it('names a command that cannot be found', async () => {
    const instance = await instanceOf('healthz-server.mjs', { command: ['mlaas-no-such-program'] });
    await expect(instance.start()).rejects.toThrow(/could not start "mlaas-no-such-program": spawn mlaas-no-such-program ENOENT/);
  });

  it('kills a process that is alive but never ready, with the probe reason as its exit reason', async () => {
    const instance = await instanceOf('never-ready.mjs', { readiness: { path: '/healthz', timeoutMs: 300 } });
    await expect(instance.start()).rejects.toThrow('not ready after 300ms: GET /healthz answered 503');
    expect(isRunning(instance.pid ?? -1)).toBe(false);
    expect(instance.exit?.reason).toMatch(/^not ready after 300ms: GET \/healthz answered 503 \(log: \/.*\/never-ready-0\.log\)$/);
  });

  it('lets an in-flight request finish before the process exits on stop', async () => {
    const instance = await instanceOf('slow-drain.mjs');
    await instance.start();
    const inFlight = get(instance.port, '/slow?ms=400');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exit = await instance.stop();
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    expect(exit).toMatchObject({ code: 0, reason: 'exited with code 0' });
    expect(instance.state).toBe('stopped');
    expect(isRunning(instance.pid ?? -1)).toBe(false);
  });

  it('kills a process that ignores SIGTERM once the drain timeout passes', async () => {
    const instance = await instanceOf('ignore-sigterm.mjs', { readiness: { path: '/', timeoutMs: 5_000 } });
    await instance.start();
    const begun = Date.now();
    const exit = await instance.stop({ drainTimeoutMs: 300 });
    expect(Date.now() - begun).toBeGreaterThanOrEqual(290);
    expect(exit).toMatchObject({ signal: 'SIGKILL', reason: 'still running 300ms after SIGTERM, killed by SIGKILL' });
  });

  it('takes the processes an instance started with it when it stops', async () => {
    const instance = await instanceOf('forks-child.mjs', { readiness: { path: '/', timeoutMs: 5_000 } });
    await instance.start();
    const helperPid = Number((await get(instance.port, '/')).body);
    expect(isRunning(helperPid)).toBe(true);
    await instance.stop({ drainTimeoutMs: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isRunning(helperPid)).toBe(false);
  });
});

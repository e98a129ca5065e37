import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type InstanceSpec } from './supervisor.js';
import { until } from '../../test/runtime-pool-support.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const logsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
const supervisors: Supervisor[] = [];

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stopAll({ drainTimeoutMs: 1_000 })));
});
afterAll(() => fs.rmSync(logsDir, { recursive: true, force: true }));

function supervisor(): Supervisor {
  const created = new Supervisor({ logsDir, restartBackoff: { initialMs: 50, maxMs: 1_000, factor: 2 } });
  supervisors.push(created);
  return created;
}

function spec(key: string, fixture: string, extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    key,
    service: key,
    cwd: fixtures,
    command: [process.execPath, path.join(fixtures, fixture)],
    env: {},
    models: {},
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

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('Supervisor', () => {
  it('starts the wanted number of instances, each ready and answering on its own port', async () => {
    const sup = supervisor();
    const ready = await sup.ensure(spec('hello', 'healthz-server.mjs'), 2);
    expect(ready).toHaveLength(2);
    expect(new Set(ready.map((r) => r.port)).size).toBe(2);
    for (const target of ready) expect((await get(target.port, '/')).body).toMatch(/^hello from \d+$/);
    expect(sup.status()).toMatchObject([{ key: 'hello', service: 'hello', desired: 2, ready: 2 }]);
    expect(sup.status()[0]?.instances.map((i) => i.state)).toEqual(['ready', 'ready']);
  });

  it('counts a service without /healthz as ready once its port accepts', async () => {
    const sup = supervisor();
    const [target] = await sup.ensure(spec('tcp', 'tcp-only-server.mjs'), 1);
    expect(await get(target?.port ?? 0, '/')).toEqual({ status: 200, body: 'tcp-only' });
  });

  it('rejects ensure with the exit code of an instance that dies at start, and keeps it in status', async () => {
    const sup = supervisor();
    await expect(sup.ensure(spec('broken', 'exit-at-start.mjs'), 1)).rejects.toMatchObject({
      code: 'RUNTIME_START_FAILED',
      // The reason quotes what the process said on stderr, and names its log.
      message: expect.stringMatching(
        /^broken: instance broken-\w+ exited with code 1 before becoming ready; last stderr: fatal: model file not found \(log: \/.*\/broken\/broken-\w+\.log\)$/,
      ),
    });
    expect(sup.ready('broken')).toHaveLength(0);
    expect(sup.status()[0]?.lastExit?.reason).toMatch(/^exited with code 1 before becoming ready; last stderr: fatal: model file not found \(log: /);
  });

  it('takes a crashed instance out of the ready set at once and restarts it on a new process', async () => {
    const sup = supervisor();
    const changes: number[] = [];
    sup.onChange((key) => changes.push(sup.ready(key).length));
    const [first] = await sup.ensure(spec('crashy', 'crash-on-request.mjs'), 1);
    const firstPid = sup.status()[0]?.instances[0]?.pid;
    await get(first?.port ?? 0, '/crash').catch(() => undefined);
    await until(() => changes.at(-1) === 0);
    expect(sup.ready('crashy')).toHaveLength(0);

    await until(() => sup.ready('crashy').length === 1);
    const [second] = sup.ready('crashy');
    const instance = sup.status()[0]?.instances[0];
    expect(instance).toMatchObject({ id: first?.id, state: 'ready', restarts: 1, lastExit: { code: 3, reason: expect.stringMatching(/^exited with code 3 \(log: \/.*\/crashy-\w+\.log\)$/) } });
    expect(instance?.pid).not.toBe(firstPid);
    expect((await get(second?.port ?? 0, '/')).body).toBe(String(instance?.pid));
    expect(changes).toEqual([1, 0, 1]);
  });

  it('backs off longer after each consecutive failed start', async () => {
    // A frozen clock makes restartAt - lastExit.at exactly the backoff delay.
    const sup = new Supervisor({ logsDir, now: () => 1_000, restartBackoff: { initialMs: 20, maxMs: 1_000, factor: 2 } });
    supervisors.push(sup);
    sup.scale(spec('loop', 'exit-at-start.mjs'), 1);
    const delays = new Map<number, number>();
    await until(() => {
      const instance = sup.status()[0]?.instances[0];
      if (instance?.restartAt !== undefined && instance.lastExit !== undefined) {
        delays.set(instance.restarts, instance.restartAt - instance.lastExit.at);
      }
      return delays.has(3);
    });
    expect([0, 1, 2, 3].map((restarts) => delays.get(restarts))).toEqual([20, 40, 80, 160]);
  });

  it('kills every instance at once with killAll, for a parent that is exiting', async () => {
    const sup = supervisor();
    await sup.ensure(spec('doomed', 'ignore-sigterm.mjs', { readiness: { path: '/', timeoutMs: 5_000 } }), 2);
    const pids = sup.status()[0]?.instances.map((i) => i.pid ?? -1) ?? [];
    sup.killAll();
    await until(() => pids.every(isGone), 2_000);
    expect(sup.ready('doomed')).toHaveLength(0);
    // Forgotten, not restarted.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sup.status()).toEqual([]);
  });

  it('hands out the same ready array until the ready set changes', async () => {
    const sup = supervisor();
    await sup.ensure(spec('stable', 'healthz-server.mjs'), 1);
    const before = sup.ready('stable');
    expect(sup.ready('stable')).toBe(before);
    expect(Object.isFrozen(before)).toBe(true);
    await sup.ensure(spec('stable', 'healthz-server.mjs'), 2);
    const after = sup.ready('stable');
    expect(after).not.toBe(before);
    expect(after).toHaveLength(2);
    expect(sup.ready('unknown')).toBe(sup.ready('also-unknown'));
  });

  it('drains the surplus when asked for fewer instances', async () => {
    const sup = supervisor();
    await sup.ensure(spec('shrink', 'healthz-server.mjs'), 3);
    const pids = sup.status()[0]?.instances.map((i) => i.pid ?? -1) ?? [];
    await sup.ensure(spec('shrink', 'healthz-server.mjs'), 1);
    expect(sup.ready('shrink')).toHaveLength(1);
    const kept = sup.status()[0]?.instances.map((i) => i.pid);
    await until(() => pids.filter((pid) => !kept?.includes(pid)).every(isGone));
    expect(kept).toHaveLength(1);
  });

  it('lets an in-flight request finish when the key is stopped', async () => {
    const sup = supervisor();
    const [target] = await sup.ensure(spec('drain', 'slow-drain.mjs'), 1);
    const pid = sup.status()[0]?.instances[0]?.pid ?? -1;
    const inFlight = get(target?.port ?? 0, '/slow?ms=300');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sup.stopKey('drain');
    expect(isGone(pid)).toBe(true);
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    expect(sup.status()).toEqual([]);
  });

  it('leaves no child process behind after stopAll, including ones still starting or waiting to restart', async () => {
    const sup = supervisor();
    await sup.ensure(spec('a', 'healthz-server.mjs'), 2);
    await sup.ensure(spec('b', 'tcp-only-server.mjs'), 1);
    const pending = sup.ensure(spec('c', 'never-ready.mjs'), 1).catch((err: unknown) => err);
    await expect(sup.ensure(spec('d', 'exit-at-start.mjs'), 1)).rejects.toThrow('exited with code 1');
    await until(() => sup.status().find((s) => s.key === 'c')?.instances[0]?.pid !== undefined);
    const pids = sup.status().flatMap((s) => s.instances.flatMap((i) => (i.pid === undefined ? [] : [i.pid])));
    expect(pids.length).toBeGreaterThanOrEqual(4);

    await sup.stopAll({ drainTimeoutMs: 1_000 });
    expect(await pending).toMatchObject({ code: 'RUNTIME_STOPPED' });
    expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
    expect(sup.status()).toEqual([]);
    expect(sup.ready('a')).toHaveLength(0);
  });
});

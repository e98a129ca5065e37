import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfig } from './haproxy-check-config.js';
import { HaproxyProcess, type HaproxyProcessOptions } from './haproxy-process.js';
import { HaproxyRuntimeApi } from './haproxy-runtime-api.js';
import { processIsRunning } from './process-is-running.js';
import { addServer } from './haproxy-servers.js';
import { readStats } from './haproxy-stats.js';
import { get, startTinyBackend, writeHaproxyFixture, type HaproxyFixture, type TinyBackend } from './fixtures/haproxy-fixture.js';

const BINARY = '/usr/sbin/haproxy';
const started: HaproxyProcess[] = [];
const backends: TinyBackend[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop(500)));
  await Promise.all(backends.map((b) => b.close()));
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function fixtureWithProcess(options: Pick<HaproxyProcessOptions, 'onStderr' | 'onExit'> = {}): Promise<{ fixture: HaproxyFixture; haproxy: HaproxyProcess }> {
  const fixture = await writeHaproxyFixture();
  dirs.push(fixture.dir);
  const haproxy = new HaproxyProcess({ runtimeSocket: fixture.socket, binary: BINARY, ...options });
  started.push(haproxy);
  return { fixture, haproxy };
}

async function workerPid(api: HaproxyRuntimeApi): Promise<number> {
  const [info = ''] = await api.execute(['show info']);
  return Number(/^Pid: (\d+)$/m.exec(info)?.[1]);
}

describe('checkConfig', () => {
  it('says ok for a valid config and gives haproxy\'s error lines for an invalid one', async () => {
    const fixture = await writeHaproxyFixture();
    dirs.push(fixture.dir);
    expect(await checkConfig(fixture.configFile, BINARY)).toEqual({ ok: true });
    const bad = path.join(fixture.dir, 'bad.cfg');
    await fs.writeFile(bad, fixture.config.replace('balance leastconn', 'blance leastconn'));
    const check = await checkConfig(bad, BINARY);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.errors.join('\n')).toMatch(/bad\.cfg:\d+.*unknown keyword 'blance'/);
  });
});

describe('HaproxyProcess', () => {
  it('start rejects with haproxy\'s stderr when the config is invalid, and leaves no process', async () => {
    const { fixture, haproxy } = await fixtureWithProcess();
    await fs.writeFile(fixture.configFile, fixture.config.replace('mode http', 'mode htttp'));
    await expect(haproxy.start(fixture.configFile)).rejects.toThrow(/exited during start[\s\S]*htttp/);
    expect(haproxy.pid).toBeUndefined();
  });

  it('start rejects, and leaves no process, when the config has no stats socket where it was told to look', async () => {
    const { fixture } = await fixtureWithProcess();
    const haproxy = new HaproxyProcess({ runtimeSocket: path.join(fixture.dir, 'elsewhere.sock'), binary: BINARY, readyTimeoutMs: 500 });
    started.push(haproxy);
    const pids: number[] = [];
    const starting = haproxy.start(fixture.configFile);
    await new Promise((r) => setTimeout(r, 100));
    if (haproxy.pid !== undefined) pids.push(haproxy.pid);
    await expect(starting).rejects.toThrow(/did not answer on .*elsewhere\.sock within 500 ms of start \(does the config declare/);
    expect(pids).toHaveLength(1);
    expect(pids.filter(processIsRunning)).toEqual([]);
    expect(haproxy.pid).toBeUndefined();
  });

  it('starts, answers on its runtime socket, streams its logs, and stop leaves no process behind', async () => {
    const lines: string[] = [];
    const { fixture, haproxy } = await fixtureWithProcess({ onStderr: (line) => lines.push(line) });
    await haproxy.start(fixture.configFile);
    const master = haproxy.pid as number;
    const worker = await workerPid(haproxy.api);
    expect(processIsRunning(master) && processIsRunning(worker)).toBe(true);
    expect((await get(fixture.port, '/lookup?k=x')).body).toBe('[none]');
    await haproxy.stop(2000);
    expect(processIsRunning(master)).toBe(false);
    expect(processIsRunning(worker)).toBe(false);
    expect(haproxy.pid).toBeUndefined();
    expect(lines.join('\n')).toMatch(/New worker \(\d+\) forked/);
    expect(lines.some((line) => line.includes('"GET /lookup?k=x HTTP/1.1"'))).toBe(true);
  });

  it('a master killed from outside is reported, and stop still leaves no worker behind', async () => {
    const exits: (NodeJS.Signals | null)[] = [];
    const { fixture, haproxy } = await fixtureWithProcess({ onExit: (_code, signal) => exits.push(signal) });
    await haproxy.start(fixture.configFile);
    const worker = await workerPid(haproxy.api);
    process.kill(haproxy.pid as number, 'SIGKILL');
    const until = Date.now() + 5000;
    while (haproxy.pid !== undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual(['SIGKILL']);
    await haproxy.stop(500);
    expect(processIsRunning(worker)).toBe(false);
  });

  it('a runtime API client fails clearly while haproxy is down and works again once it is restarted', async () => {
    const { fixture, haproxy } = await fixtureWithProcess();
    const api = new HaproxyRuntimeApi(fixture.socket);
    await haproxy.start(fixture.configFile);
    const before = await workerPid(api);
    await haproxy.stop(1000);
    await expect(api.execute(['show info'])).rejects.toMatchObject({ code: 'HAPROXY_UNAVAILABLE', message: expect.stringContaining(fixture.socket) });
    await haproxy.start(fixture.configFile);
    expect(await workerPid(api)).not.toBe(before);
    api.close();
    await expect(api.execute(['show info'])).rejects.toThrow(/closed/);
  });

  it('stop lets a request in flight finish', async () => {
    const backend = await startTinyBackend('held');
    backends.push(backend);
    const { fixture, haproxy } = await fixtureWithProcess();
    await haproxy.start(fixture.configFile);
    await addServer(haproxy.api, 'be', 'held', '127.0.0.1', backend.port);
    const inFlight = get(fixture.port, '/?delay=400');
    await new Promise((r) => setTimeout(r, 100));
    await haproxy.stop(3000);
    expect(await inFlight).toEqual({ status: 200, body: 'held' });
  });

  it('reload refuses no request: a bounded loop across two reloads is answered 200 throughout', async () => {
    const backend = await startTinyBackend('steady');
    backends.push(backend);
    const forks: string[] = [];
    const { fixture, haproxy } = await fixtureWithProcess({ onStderr: (line) => forks.push(line) });
    // A static server: dynamic ones do not survive a reload.
    await fs.writeFile(fixture.configFile, `${fixture.config}    server steady 127.0.0.1:${backend.port}\n`);
    await haproxy.start(fixture.configFile);
    const api = new HaproxyRuntimeApi(fixture.socket);
    const firstWorker = await workerPid(api);
    const statuses: number[] = [];
    let done = false;
    const clients = Array.from({ length: 4 }, async () => {
      const until = Date.now() + 10_000;
      while (!done && Date.now() < until && statuses.length < 2000) {
        statuses.push(await get(fixture.port, '/?delay=5').then((r) => r.status, () => 0));
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    // Two asked at once run one after the other: two new workers (four forked in all, with the first and the last).
    await Promise.all([haproxy.reload(), haproxy.reload()]);
    const secondWorker = await workerPid(api);
    await new Promise((r) => setTimeout(r, 200));
    await haproxy.reload();
    const thirdWorker = await workerPid(api);
    await new Promise((r) => setTimeout(r, 200));
    done = true;
    await Promise.all(clients);
    expect(new Set([firstWorker, secondWorker, thirdWorker]).size).toBe(3);
    expect(forks.filter((line) => /New worker \(\d+\) forked/.test(line))).toHaveLength(4);
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('after a reload the new worker answers the socket, without the dynamic servers of the old one', async () => {
    const backend = await startTinyBackend('dyn');
    backends.push(backend);
    const { fixture, haproxy } = await fixtureWithProcess();
    await haproxy.start(fixture.configFile);
    await addServer(haproxy.api, 'be', 'dyn', '127.0.0.1', backend.port);
    expect((await get(fixture.port, '/')).body).toBe('dyn');
    await haproxy.reload();
    expect((await readStats(haproxy.api)).some((r) => r.server === 'dyn')).toBe(false);
    expect((await get(fixture.port, '/')).status).toBe(503);
    await addServer(haproxy.api, 'be', 'dyn', '127.0.0.1', backend.port);
    expect((await get(fixture.port, '/')).body).toBe('dyn');
  });

  it('reload with an invalid config rejects with its errors and the running worker keeps serving', async () => {
    const { fixture, haproxy } = await fixtureWithProcess();
    await haproxy.start(fixture.configFile);
    const worker = await workerPid(haproxy.api);
    await fs.writeFile(fixture.configFile, fixture.config.replace('balance leastconn', 'balance nosuchalgo'));
    await expect(haproxy.reload()).rejects.toThrow(/not reloaded:\n.*haproxy\.cfg:\d+\] : balance only supports/);
    expect(await workerPid(haproxy.api)).toBe(worker);
    expect((await get(fixture.port, '/lookup?k=x')).body).toBe('[none]');
  });

  it('reload of a config that checks but cannot load (port taken) rejects, and the running worker keeps serving', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as net.AddressInfo).port;
    try {
      const { fixture, haproxy } = await fixtureWithProcess();
      await haproxy.start(fixture.configFile);
      const worker = await workerPid(haproxy.api);
      await fs.writeFile(fixture.configFile, `${fixture.config}frontend other\n    bind 127.0.0.1:${takenPort}\n    default_backend be\n`);
      expect(await checkConfig(fixture.configFile, BINARY)).toEqual({ ok: true });
      await expect(haproxy.reload()).rejects.toThrow(/could not load the config on reload[\s\S]*cannot bind socket/);
      expect(await workerPid(haproxy.api)).toBe(worker);
      expect((await get(fixture.port, '/lookup?k=x')).body).toBe('[none]');
      await fs.writeFile(fixture.configFile, fixture.config);
      await haproxy.reload();
      expect(await workerPid(haproxy.api)).not.toBe(worker);
    } finally {
      taken.close();
    }
  });
});

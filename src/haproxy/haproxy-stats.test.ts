import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyProcess } from './haproxy-process.js';
import { addServer, drainServer } from './haproxy-servers.js';
import { parseShowStat, readStats } from './haproxy-stats.js';
import { get, startTinyBackend, writeHaproxyFixture, type HaproxyFixture, type TinyBackend } from './fixtures/haproxy-fixture.js';

let fixture: HaproxyFixture;
let haproxy: HaproxyProcess;
let backend: TinyBackend;

beforeAll(async () => {
  fixture = await writeHaproxyFixture();
  haproxy = new HaproxyProcess({ runtimeSocket: fixture.socket, binary: '/usr/sbin/haproxy' });
  await haproxy.start(fixture.configFile);
  backend = await startTinyBackend('counted');
  await addServer(haproxy.api, 'be', 'counted', '127.0.0.1', backend.port, { weight: 50 });
});

afterAll(async () => {
  await haproxy.stop(1000);
  await backend.close();
  await fs.rm(fixture.dir, { recursive: true, force: true });
});

describe('readStats', () => {
  it('gives a row per frontend, backend and server of the real `show stat`', async () => {
    const rows = await readStats(haproxy.api);
    const names = rows.map((r) => `${r.backend}/${r.server}`);
    expect(names).toEqual(expect.arrayContaining(['fe/FRONTEND', 'be/BACKEND', 'be/counted']));
    expect(rows.find((r) => r.server === 'FRONTEND')?.status).toBe('OPEN');
    const server = rows.find((r) => r.server === 'counted');
    expect(server).toMatchObject({ status: 'no check', weight: 50, scur: 0 });
    expect(server?.fields['type']).toBe('2');
  });

  it('counts a request in flight (scur), then the total (stot), and shows a drain', async () => {
    const before = (await readStats(haproxy.api)).find((r) => r.server === 'counted')?.stot ?? 0;
    const inFlight = get(fixture.port, '/?delay=300');
    await new Promise((r) => setTimeout(r, 100));
    expect((await readStats(haproxy.api)).find((r) => r.server === 'counted')?.scur).toBe(1);
    await inFlight;
    await drainServer(haproxy.api, 'be', 'counted');
    const after = (await readStats(haproxy.api)).find((r) => r.server === 'counted');
    expect(after).toMatchObject({ scur: 0, stot: before + 1, status: 'DRAIN' });
  });
});

describe('parseShowStat', () => {
  it('finds columns by their header name and reads empty counters as 0', () => {
    const csv = '# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,weight,\nbe,s1,2,,7,,,90,UP,100,\n\n';
    expect(parseShowStat(csv)).toEqual([
      expect.objectContaining({ backend: 'be', server: 's1', qcur: 2, scur: 7, stot: 90, status: 'UP', weight: 100 }),
    ]);
    expect(parseShowStat('')).toEqual([]);
  });
});

import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyProcess } from './haproxy-process.js';
import { HaproxyRuntimeApi } from './haproxy-runtime-api.js';
import { addServer, deleteServer, drainServer, setWeight } from './haproxy-servers.js';
import { readStats } from './haproxy-stats.js';
import { get, startTinyBackend, writeHaproxyFixture, type HaproxyFixture, type TinyBackend } from './fixtures/haproxy-fixture.js';

let fixture: HaproxyFixture;
let haproxy: HaproxyProcess;
let api: HaproxyRuntimeApi;
const backends: TinyBackend[] = [];

beforeAll(async () => {
  fixture = await writeHaproxyFixture();
  haproxy = new HaproxyProcess({ runtimeSocket: fixture.socket, binary: '/usr/sbin/haproxy' });
  await haproxy.start(fixture.configFile);
  api = new HaproxyRuntimeApi(fixture.socket);
  for (const name of ['one', 'two']) backends.push(await startTinyBackend(name));
});

afterAll(async () => {
  api.close();
  await haproxy.stop(1000);
  await Promise.all(backends.map((b) => b.close()));
  await fs.rm(fixture.dir, { recursive: true, force: true });
});

/** Concurrent requests held 100 ms each, so leastconn would spread them over every server it may use. */
const answers = async (count: number): Promise<string[]> =>
  Promise.all(Array.from({ length: count }, async () => (await get(fixture.port, '/?delay=100')).body));

describe('dynamic servers', () => {
  it('a backend with no server answers 503; an added server gets the requests', async () => {
    expect((await get(fixture.port, '/')).status).toBe(503);
    const [one] = backends as [TinyBackend];
    await addServer(api, 'be', 'one', '127.0.0.1', one.port, { maxconn: 8, weight: 100 });
    expect(new Set(await answers(5))).toEqual(new Set(['one']));
  });

  it('two servers share the requests; weight 0 takes one out of new requests', async () => {
    const [, two] = backends as [TinyBackend, TinyBackend];
    await addServer(api, 'be', 'two', '127.0.0.1', two.port);
    // leastconn with held requests: the second request goes to the idle server
    const held = get(fixture.port, '/?delay=300');
    await new Promise((r) => setTimeout(r, 50));
    const next = await get(fixture.port, '/');
    expect([(await held).body, next.body].sort()).toEqual(['one', 'two']);
    await setWeight(api, 'be', 'two', 0);
    expect(new Set(await answers(6))).toEqual(new Set(['one']));
    await setWeight(api, 'be', 'two', 100);
  });

  it('a drained server gets no new request while its in-flight one completes', async () => {
    const [one, two] = backends as [TinyBackend, TinyBackend];
    await setWeight(api, 'be', 'one', 0);
    const inFlight = get(fixture.port, '/?delay=400');
    await new Promise((r) => setTimeout(r, 50));
    await setWeight(api, 'be', 'one', 100);
    await drainServer(api, 'be', 'two');
    const hitsBefore = two.hits;
    expect(new Set(await answers(6))).toEqual(new Set(['one']));
    expect(two.hits).toBe(hitsBefore);
    expect(await inFlight).toEqual({ status: 200, body: 'two' });
    expect(one.hits).toBeGreaterThan(0);
  });

  it('deleteServer waits for the in-flight request, then the server is gone', async () => {
    await addServer(api, 'be', 'slow', '127.0.0.1', (backends[1] as TinyBackend).port);
    await setWeight(api, 'be', 'one', 0);
    await setWeight(api, 'be', 'two', 0);
    const inFlight = get(fixture.port, '/?delay=300');
    await new Promise((r) => setTimeout(r, 50));
    await deleteServer(api, 'be', 'slow', { waitMs: 5000 });
    expect(await inFlight).toEqual({ status: 200, body: 'two' });
    expect((await readStats(api)).some((r) => r.server === 'slow')).toBe(false);
    await setWeight(api, 'be', 'one', 100);
  });

  it('deleteServer fails clearly when connections remain past its wait', async () => {
    await addServer(api, 'be', 'busy', '127.0.0.1', (backends[1] as TinyBackend).port);
    await setWeight(api, 'be', 'one', 0);
    const inFlight = get(fixture.port, '/?delay=1000');
    await new Promise((r) => setTimeout(r, 50));
    await expect(deleteServer(api, 'be', 'busy', { waitMs: 200 })).rejects.toThrow(/be\/busy still has 1 connection\(s\) after 200 ms/);
    expect(await inFlight).toEqual({ status: 200, body: 'two' });
    await deleteServer(api, 'be', 'busy', { waitMs: 5000 });
    await setWeight(api, 'be', 'one', 100);
  });

  it('an added server keeps its connections for the next requests, as a static one does', async () => {
    const reused = await startTinyBackend('reused');
    backends.push(reused);
    await addServer(api, 'be', 'reused', '127.0.0.1', reused.port);
    await setWeight(api, 'be', 'one', 0);
    await setWeight(api, 'be', 'two', 0);
    // One after the other, each on a new caller connection: only HAProxy's side can keep the instance's connection.
    for (let i = 0; i < 20; i++) expect(await get(fixture.port, '/')).toEqual({ status: 200, body: 'reused' });
    expect(reused.hits).toBe(20);
    expect(reused.connections).toBeLessThanOrEqual(2);
    await deleteServer(api, 'be', 'reused', { waitMs: 5000 });
    await setWeight(api, 'be', 'one', 100);
    await setWeight(api, 'be', 'two', 100);
  });

  it.each([
    [() => addServer(api, 'be', 'one', '127.0.0.1', 1), 'Already exists a server'],
    [() => addServer(api, 'nope', 'x', '127.0.0.1', 1), 'No such backend'],
    [() => setWeight(api, 'be', 'nope', 3), 'No such server'],
    [() => addServer(api, 'be', 'bad name', '127.0.0.1', 1), 'server name'],
    [() => setWeight(api, 'be', 'one', 300), '0..256'],
  ])('refuses what haproxy or the name rules refuse (%#: %s)', async (call, said) => {
    await expect(call()).rejects.toThrow(said);
  });
});

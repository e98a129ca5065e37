// Shadow traffic over real HTTP: copies go out after the caller's answer, are compared, and are bounded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { ShadowMirror } from './shadow-mirror.js';
import { compileRouting, type ServiceRouting } from './traffic-router.js';
import { seededRandom as seeded } from '../../test/seeded-random.js';

const routing = (percent: number): ServiceRouting =>
  compileRouting({
    service: 'echo',
    sticky: false,
    targets: [
      { revision: 'echo-00001', percent: 100, tag: undefined },
      { revision: 'echo-00002', percent: 0, tag: 'shadow' },
    ],
    mirror: { tag: 'shadow', percent },
  });

interface Seen {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let primary: Server;
let shadow: Server;
const shadowSeen: Seen[] = [];
let shadowDelayMs = 0;
let shadowAnswer = (body: string): string => body;
let gateway: Gateway;
let base: string;

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  primary = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(body));
  });
  shadow = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      shadowSeen.push({ headers: req.headers, body });
      setTimeout(() => res.end(shadowAnswer(body)), shadowDelayMs);
    });
  });
  const ports = { 'echo-00001': await listen(primary), 'echo-00002': await listen(shadow) } as Record<string, number>;
  gateway = createGateway({
    operations: [
      {
        path: '/v1/echo',
        method: 'POST',
        security: [],
        apiKeySchemes: [],
        backend: { kind: 'service', service: 'echo', path: '/echo' },
        pathTranslation: 'CONSTANT_ADDRESS',
        deadlineMs: 5_000,
        configPath: 'paths./v1/echo.post',
      } as GatewayOperation,
    ],
    keys: [],
    tenants: [],
    instances: { ready: (revision) => [{ id: revision, host: '127.0.0.1', port: ports[revision] ?? 1 }] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
    random: seeded(11),
  });
  base = `http://127.0.0.1:${await listen(gateway.server)}`;
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([new Promise((r) => primary.close(r)), new Promise((r) => shadow.close(r))]);
});

async function send(body: string): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/echo`, { method: 'POST', body });
  return { status: res.status, text: await res.text(), ms: performance.now() - started };
}

async function settle(expectedCopies: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const s = gateway.shadowStats()[0];
    if (s !== undefined && s.same + s.different + s.failed + s.dropped >= expectedCopies) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('shadow traffic through the gateway', () => {
  it('copies a request to the shadow revision after the caller has its answer, and compares the answers', async () => {
    shadowDelayMs = 400;
    gateway.setRouting('echo', routing(100));
    const answer = await send('{"text":"hello"}');
    expect(answer).toMatchObject({ status: 200, text: '{"text":"hello"}' });
    // The caller did not wait for the shadow's 400 ms.
    expect(answer.ms).toBeLessThan(300);
    await settle(1);
    expect(shadowSeen.at(-1)).toMatchObject({
      body: '{"text":"hello"}',
      headers: expect.objectContaining({ 'x-mlaas-shadow': '1', 'x-mlaas-revision': 'echo-00002' }),
    });
    shadowDelayMs = 0;
    shadowAnswer = (body) => (body.includes('differ') ? 'something else' : body);
    await send('same please');
    await send('differ please');
    await settle(3);
    expect(gateway.shadowStats()).toEqual([
      expect.objectContaining({ service: 'echo', tag: 'shadow', revision: 'echo-00002', percent: 100, mirrored: 3, same: 2, different: 1, failed: 0, dropped: 0 }),
    ]);
    expect(gateway.shadowStats()[0]?.mirrorP50Ms).toBeGreaterThan(0);
  });

  it('mirrors about the configured share of requests', async () => {
    gateway.setRouting('echo', routing(10));
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 25 }, () => send('x')));
    await settle(1);
    const stats = gateway.shadowStats()[0];
    expect(stats?.requests).toBe(500);
    expect(stats?.mirrored).toBeGreaterThanOrEqual(35);
    expect(stats?.mirrored).toBeLessThanOrEqual(65);
  });
});

describe('ShadowMirror', () => {
  it('drops copies past its in-flight bound and counts a copy with no ready instance as failed', async () => {
    shadowDelayMs = 200;
    const port = (shadow.address() as AddressInfo).port;
    let ready = [{ id: 's', host: '127.0.0.1', port }];
    const mirror = new ShadowMirror({ ready: () => ready, random: () => 0, now: Date.now, maxInFlight: 2 });
    const r = routing(100);
    const copies = Array.from({ length: 4 }, () => mirror.consider(r, 'echo-00001'));
    for (const copy of copies) {
      if (copy !== undefined) await pipeline(Readable.from([Buffer.from('a')]), copy.tap(200, new PassThrough().resume()));
      copy?.send({ method: 'POST', path: '/echo', headers: {}, body: Buffer.from('a'), deadlineMs: 2000 });
    }
    for (let i = 0; i < 100 && (mirror.stats()[0]?.same ?? 0) < 2; i++) await new Promise((res) => setTimeout(res, 10));
    ready = [];
    const last = mirror.consider(r, 'echo-00001');
    if (last !== undefined) await pipeline(Readable.from([Buffer.from('a')]), last.tap(200, new PassThrough().resume()));
    last?.send({ method: 'POST', path: '/echo', headers: {}, body: Buffer.from('a'), deadlineMs: 2000 });
    for (let i = 0; i < 100 && (mirror.stats()[0]?.failed ?? 0) < 1; i++) await new Promise((res) => setTimeout(res, 10));
    expect(mirror.stats()[0]).toMatchObject({ requests: 5, mirrored: 3, same: 2, failed: 1, dropped: 2 });
    // Nothing is mirrored to the revision that already answered.
    expect(mirror.consider(r, 'echo-00002')).toBeUndefined();
    await mirror.close();
  });
});

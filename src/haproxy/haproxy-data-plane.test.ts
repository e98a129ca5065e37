/**
 * The HAProxy data plane end to end: a real haproxy on a free port, programmed
 * from a fake state store, in front of tiny instances and of a stand-in for
 * the TypeScript gateway. What a caller and an instance notice: which
 * requests HAProxy serves itself and with which headers, which it hands on,
 * how fast a revoked key stops working, the split, drains, load, and stop.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeConfigHeader } from '../api/service-contract.js';
import { parseGatewayDocument } from '../config/index.js';
import { ERROR_CODES } from '../errors.js';
import type { BackendIdTokens } from '../gateway/backend-id-tokens.js';
import { testIdTokens } from '../gateway/fixtures/test-id-tokens.js';
import { freePort } from '../runtime/free-port.js';
import { FakeStateStore } from '../state/fake-state-store.js';
import { HaproxyDataPlane } from './haproxy-data-plane.js';
import { processIsRunning } from './process-is-running.js';

const MAX_BODY = 1024;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

interface Seen {
  who: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A node:http server that answers with who it is and what it received; `?delay=ms` holds the answer, `?die=1` closes its connection. */
interface Echo {
  name: string;
  port: number;
  seen: Seen[];
  inFlight: number;
  /** When it last sent an answer (ms since epoch). */
  answeredAt: number;
  close(): Promise<void>;
}

async function startEcho(name: string, answer: (seen: Seen) => Record<string, unknown>): Promise<Echo> {
  const port = await freePort();
  const echo: Echo = { name, port, seen: [], inFlight: 0, answeredAt: 0, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const seen: Seen = { who: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    echo.seen.push(seen);
    echo.inFlight += 1;
    req.resume();
    req.on('end', () => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      // `?die=1`: the connection closed with the request inside, as an instance that crashed.
      if (query.has('die')) {
        echo.inFlight -= 1;
        req.socket.destroy();
        return;
      }
      // `?trickle=ms`: the head at once, then a byte every 50 ms for that long — in flight without ever being silent.
      const trickle = Number(query.get('trickle') ?? 0);
      if (trickle > 0) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const tick = setInterval(() => res.write('.'), 50);
        setTimeout(() => {
          clearInterval(tick);
          echo.inFlight -= 1;
          echo.answeredAt = Date.now();
          res.end();
        }, trickle);
        return;
      }
      const delay = Number(query.get('delay') ?? 0);
      setTimeout(() => {
        echo.inFlight -= 1;
        echo.answeredAt = Date.now();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer(seen)));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  echo.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return echo;
}

/** POST operations, one line each: path → its x-google-backend (and security, when not the document's). */
const operations: Array<[string, string, string?]> = [
  ['/v1/query', "{ address: 'mlaas://echo/q' }", '[{ query_key: [] }]'],
  ['/v1/echo', "{ address: 'mlaas://echo/predict' }"],
  ['/v1/idle', "{ address: 'mlaas://idle' }"],
  ['/v1/slow', "{ address: 'mlaas://slow' }"],
  ['/v1/short', "{ address: 'mlaas://slow', deadline: 0.5 }"],
  ['/v1/late', "{ address: 'mlaas://late' }"],
  ['/v1/tight', "{ address: 'mlaas://tight', deadline: 30 }"],
  ['/v1/full', "{ address: 'mlaas://full', deadline: 0.5 }"],
  ['/v1/growing', "{ address: 'mlaas://growing', deadline: 0.5 }"],
  ['/v1/flaky', "{ address: 'mlaas://flaky' }"],
];

const document = `
swagger: '2.0'
info: { title: native, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
  query_key: { type: apiKey, name: key, in: query }
security: [{ api_key: [] }]
paths:
${operations
  .map(([p, backend, security]) => `  ${p}:\n    post:\n${security === undefined ? '' : `      security: ${security}\n`}      x-google-backend: ${backend}\n      responses: { '200': { description: ok } }\n`)
  .join('')}`;

let dir: string;
let store: FakeStateStore;
let idTokens: BackendIdTokens;
let plane: HaproxyDataPlane;
let fallback: Echo;
const instances: Record<string, Echo> = {};
/** What the data plane reported of key use, as the platform's KeyUsageRecorder would get it. */
const keyUses: Array<[string, number]> = [];
let secret: string;
let revocable: { id: string; secret: string };
const secrets: Record<'scopedHere' | 'scopedElsewhere' | 'limited', string> = { scopedHere: '', scopedElsewhere: '', limited: '' };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlaas-haproxy-plane-'));
  fallback = await startEcho('fallback', () => ({ fallback: true }));
  for (const name of ['a', 'b', 's1', 's2', 'late', 'full', 'growing', 'c']) instances[name] = await startEcho(name, (seen) => ({ instance: name, url: seen.url }));

  store = new FakeStateStore();
  store.upsertTenant('acme', { displayName: 'Acme', config: { threshold: 0.9, language: 'en' } });
  secret = store.createKey('acme').secretKey;
  const second = store.createKey('acme');
  revocable = { id: second.key.id, secret: second.secretKey };
  secrets.scopedHere = store.createKey('acme', { scopes: ['echo'] }).secretKey;
  secrets.scopedElsewhere = store.createKey('acme', { scopes: ['idle'] }).secretKey;
  secrets.limited = store.createKey('acme', { quota: { requestsPerMinute: 100 } }).secretKey;
  for (const service of ['echo', 'idle', 'slow', 'tight', 'late', 'flaky']) {
    store.upsertService(service, {});
    const rev = store.createRevision(service, { timeoutSeconds: service === 'tight' ? 1 : 30 });
    store.setRevisionState(rev.name, 'ready');
  }
  store.setReadyInstances('echo-00001', [endpoint('a')]);
  store.setReadyInstances('tight-00001', [{ ...endpoint('s1'), id: 'inst-tight' }]);
  store.setReadyInstances('late-00001', [endpoint('late')]);
  // One instance that refuses every connection (nothing listens on its port) beside one that answers.
  store.setReadyInstances('flaky-00001', [{ id: 'inst-refusing', host: '127.0.0.1', port: await freePort() }, endpoint('c')]);
  // One request at a time: `full` at its maximum of one instance, `growing` with room for a second.
  for (const [service, maxInstances] of [['full', 1], ['growing', 2]] as const) {
    store.upsertService(service, {});
    const rev = store.createRevision(service, { timeoutSeconds: 30, scaling: { concurrency: 1, maxInstances } });
    store.setRevisionState(rev.name, 'ready');
    store.setReadyInstances(rev.name, [endpoint(service)]);
  }
  store.setReadyInstances('slow-00001', [endpoint('s1'), endpoint('s2')]);

  idTokens = await testIdTokens();
  plane = await HaproxyDataPlane.start({
    dir,
    operations: parseGatewayDocument(parse(document)).operations,
    store,
    idTokens,
    onKeyUsed: (id, atMs) => keyUses.push([id, atMs]),
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: await freePort(),
    fallbackPort: fallback.port,
    slots: 8,
    threads: 1,
    maxBodyBytes: MAX_BODY,
    maxConnections: 200,
    headerTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
    requestTimeoutMs: 60_000,
  });
}, 60_000);

afterAll(async () => {
  await plane?.stop();
  store?.close();
  await Promise.all([fallback, ...Object.values(instances)].map((e) => e?.close()));
  await fs.rm(dir, { recursive: true, force: true });
});

function endpoint(name: string) {
  return { id: `inst-${name}`, host: '127.0.0.1', port: (instances[name] as Echo).port };
}

/** One request through HAProxy on a fresh connection, so each one is decided anew. */
function send(
  pathAndQuery: string,
  options: { key?: string; headers?: Record<string, string>; body?: string; chunked?: boolean; method?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['x-api-key'] = options.key;
  const body = options.body ?? '{}';
  if (!options.chunked) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: plane.port, path: pathAndQuery, method: options.method ?? 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
    });
    req.on('error', reject);
    if (options.chunked) {
      req.write(body.slice(0, 1));
      req.end(body.slice(1));
    } else req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a request HAProxy serves itself', () => {
  let seen: Seen;
  let answer: Answer;

  beforeAll(async () => {
    const before = instances['a']?.seen.length ?? 0;
    answer = await send('/v1/echo', {
      key: secret,
      headers: {
        'x-request-id': 'req-42',
        traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`,
        'x-mlaas-tenant': 'someone-else',
        'x-mlaas-config': 'e30',
        'x-mlaas-revision': 'echo-99999',
        'x-mlaas-custom': 'mine',
      },
    });
    seen = instances['a']?.seen[before] as Seen;
  });

  it('reaches the revision’s instance, at the backend path', () => {
    expect(answer).toEqual({ status: 200, body: { instance: 'a', url: '/predict' } });
    expect(fallback.seen).toEqual([]);
  });

  it('carries the tenant, its config and the revision, and none of the caller’s x-mlaas-* headers', () => {
    expect(seen.headers['x-mlaas-tenant']).toBe('acme');
    expect(decodeConfigHeader(seen.headers['x-mlaas-config'] as string)).toEqual({ threshold: 0.9, language: 'en' });
    expect(seen.headers['x-mlaas-revision']).toBe('echo-00001');
    expect(seen.headers['x-mlaas-custom']).toBeUndefined();
  });

  it('keeps the caller’s request id and trace id, with a new parent span', () => {
    expect(seen.headers['x-request-id']).toBe('req-42');
    const [version, trace, span, sampled] = String(seen.headers['traceparent']).split('-');
    expect([version, trace, sampled]).toEqual(['00', TRACE_ID, '01']);
    expect(span).toMatch(/^[0-9a-f]{16}$/);
    expect(span).not.toBe(CALLER_SPAN);
  });

  it('describes the caller’s connection itself and keeps the caller’s authorization aside, as the TypeScript gateway does', async () => {
    const before = instances['a']?.seen.length ?? 0;
    await send('/v1/echo', {
      key: secret,
      headers: {
        authorization: 'Basic Y2FsbGVyOnNlY3JldA==',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=203.0.113.9',
        'x-real-ip': '203.0.113.9',
        'x-endpoint-api-userinfo': 'forged',
        'x-apigateway-api-userinfo': 'forged',
        'x-forwarded-authorization': 'forged',
      },
    });
    const headers = (instances['a']?.seen[before] as Seen).headers;
    const host = `127.0.0.1:${plane.port}`;
    expect(headers).toMatchObject({
      'x-forwarded-authorization': 'Basic Y2FsbGVyOnNlY3JldA==',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': host,
      'x-forwarded-proto': 'http',
      forwarded: `for=127.0.0.1;host="${host}";proto=http`,
    });
    expect(String(headers['authorization'])).toMatch(/^Bearer ey/);
    expect(headers['x-real-ip']).toBeUndefined();
    expect(headers['x-endpoint-api-userinfo']).toBeUndefined();
    expect(headers['x-apigateway-api-userinfo']).toBeUndefined();
  });

  it('admits a key scoped to the service', async () => {
    expect((await send('/v1/echo', { key: secrets.scopedHere })).body).toEqual({ instance: 'a', url: '/predict' });
  });

  it('does not forward the API key', () => {
    expect(seen.headers['x-api-key']).toBeUndefined();
  });

  it('takes a query key out of the query and keeps the other parameters, as the TypeScript gateway does', async () => {
    expect((await send(`/v1/query?a=1&key=${secret}&b=2`)).body).toEqual({ instance: 'a', url: '/q?a=1&b=2' });
    expect((await send(`/v1/query?key=${secret}`)).body).toEqual({ instance: 'a', url: '/q' });
    expect((await send(`/v1/query?key=${secret}&monkey=3`)).body).toEqual({ instance: 'a', url: '/q?monkey=3' });
  });

  it('replaces a malformed request id and starts a new sampled trace for the all-zero trace id, as the TypeScript gateway does', async () => {
    const before = instances['a']?.seen.length ?? 0;
    await send('/v1/echo', { key: secret, headers: { 'x-request-id': 'has space', traceparent: `00-${'0'.repeat(32)}-${CALLER_SPAN}-00` } });
    const headers = (instances['a']?.seen[before] as Seen).headers;
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(String(headers['traceparent']).split('-')[1]).not.toBe('0'.repeat(32));
  });

  it('gives a request without an id one, and says it to the caller too', async () => {
    const before = instances['a']?.seen.length ?? 0;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: plane.port, path: '/v1/echo', method: 'POST', headers: { 'x-api-key': secret }, agent: false }, resolve);
      req.on('error', reject);
      req.end('{}');
    });
    res.resume();
    const id = (instances['a']?.seen[before] as Seen).headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(id);
  });

  it('sends an ES256 ID token for mlaas://SERVICE as the instance’s authorization', async () => {
    const authorization = String(seen.headers['authorization']);
    expect(authorization).toMatch(/^Bearer /);
    const token = authorization.slice('Bearer '.length);
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    const { payload } = await jwtVerify(token, createLocalJWKSet(idTokens.jwks()), { audience: 'mlaas://echo' });
    expect(payload.aud).toBe('mlaas://echo');
  });
});

describe('key use', () => {
  it('reports each key HAProxy admitted, within a few seconds, so that its lastUsedAt moves', async () => {
    const key = store.createKey('acme');
    const sentAt = Date.now();
    // The store tells of the new key within 100 ms; until HAProxy has it, the request is handed on.
    let answer = await send('/v1/echo', { key: key.secretKey });
    for (let i = 0; i < 50 && (answer.body as { fallback?: boolean }).fallback === true; i++) {
      await new Promise((r) => setTimeout(r, 20));
      answer = await send('/v1/echo', { key: key.secretKey });
    }
    expect(answer.body).toMatchObject({ instance: 'a' });
    const deadline = Date.now() + 5_000;
    while (!keyUses.some(([id]) => id === key.key.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const use = keyUses.find(([id]) => id === key.key.id);
    expect(use?.[1]).toBeGreaterThanOrEqual(sentAt - 1_000);
    // A key that sent nothing is not reported.
    expect(keyUses.some(([id]) => id === revocable.id)).toBe(false);
  });
});

describe('requests HAProxy hands to the TypeScript gateway untouched', () => {
  const cases: Array<[string, () => Promise<Answer>]> = [
    ['a wrong key', () => send('/v1/echo', { key: `${secret.slice(0, -4)}AAAA` })],
    ['a key scoped to another service', () => send('/v1/echo', { key: secrets.scopedElsewhere })],
    ['a key with a quota', () => send('/v1/echo', { key: secrets.limited })],
    ['the key twice', () => send('/v1/echo', { headers: { 'x-api-key': `${secret}, ${secret}` } })],
    ['no key', () => send('/v1/echo')],
    ['x-mlaas-settings', () => send('/v1/echo', { key: secret, headers: { 'x-mlaas-settings': 'threshold=0.5' } })],
    ['x-mlaas-tag', () => send('/v1/echo', { key: secret, headers: { 'x-mlaas-tag': 'canary' } })],
    ['a chunked body', () => send('/v1/echo', { key: secret, chunked: true, body: '{"a":1}' })],
    ['a body over maxBodyBytes', () => send('/v1/echo', { key: secret, body: 'x'.repeat(MAX_BODY + 1) })],
    ['an unknown path', () => send('/v1/nowhere', { key: secret })],
    ['a method the path has no operation for', () => send('/v1/echo', { key: secret, method: 'PUT' })],
  ];

  it.each(cases)('%s', async (_, request) => {
    const before = { a: instances['a']?.seen.length, fallback: fallback.seen.length };
    expect(await request()).toEqual({ status: 200, body: { fallback: true } });
    expect(instances['a']?.seen.length).toBe(before.a);
    expect(fallback.seen.length).toBe(before.fallback + 1);
  });

  it('decides each request of a kept-alive connection on its own', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const over = (headers: Record<string, string>) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: plane.port, path: '/v1/echo', method: 'POST', headers: { 'x-api-key': secret, ...headers }, agent }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
        });
        req.on('error', reject);
        req.end('{}');
      });
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    try {
      expect(await over({})).toMatchObject({ instance: 'a' });
      expect(await over({ 'x-mlaas-settings': 'threshold=0.5' })).toEqual({ fallback: true });
      expect(await over({})).toMatchObject({ instance: 'a' });
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('hands them on as sent: key and x-mlaas-* headers included', async () => {
    await send('/v1/echo', { key: secret, headers: { 'x-mlaas-settings': 'threshold=0.5' } });
    const last = fallback.seen[fallback.seen.length - 1] as Seen;
    expect(last.url).toBe('/v1/echo');
    expect(last.headers['x-api-key']).toBe(secret);
    expect(last.headers['x-mlaas-settings']).toBe('threshold=0.5');
  });

  it('a revision with no ready instance', async () => {
    expect(await send('/v1/idle', { key: secret })).toEqual({ status: 200, body: { fallback: true } });
  });
});

describe('following the store', () => {
  // Typically 10–40 ms here; the bound leaves room for a loaded, shared machine.
  it('stops admitting a revoked key within 250 ms of the revocation', async () => {
    expect((await send('/v1/echo', { key: revocable.secret })).body).toMatchObject({ instance: 'a' });
    // The store tells its listeners at most every 100 ms: start from a quiet store, so the bound is HAProxy's alone.
    await sleep(150);
    const revokedAt = Date.now();
    store.revokeKey(revocable.id);
    let answer: Answer | undefined;
    let tries = 0;
    while (Date.now() - revokedAt < 2_000 && tries < 500) {
      tries += 1;
      answer = await send('/v1/echo', { key: revocable.secret });
      if (answer.body['fallback'] === true) break;
    }
    const tookMs = Date.now() - revokedAt;
    expect(answer?.body).toEqual({ fallback: true });
    expect(tookMs).toBeLessThan(250);
  });

  it('stops admitting a key within 250 ms of its expiry, and admits it until then', async () => {
    const expiresAt = Date.now() + 1_500;
    const expiring = store.createKey('acme', { expiresAt: new Date(expiresAt).toISOString() });
    await plane.refresh();
    const answers: Array<{ sentAt: number; native: boolean }> = [];
    for (let i = 0; i < 1_000 && Date.now() < expiresAt + 2_000; i++) {
      const sentAt = Date.now();
      const { body } = await send('/v1/echo', { key: expiring.secretKey });
      answers.push({ sentAt, native: body['instance'] !== undefined });
      if (sentAt > expiresAt && body['fallback'] === true) break;
    }
    expect(answers.filter((a) => a.sentAt < expiresAt - 50).every((a) => a.native)).toBe(true);
    const lastNative = Math.max(...answers.filter((a) => a.native).map((a) => a.sentAt));
    expect(lastNative - expiresAt).toBeLessThan(250);
    expect(answers[answers.length - 1]?.native).toBe(false);
  });

  it('sends a tenant’s new config with its next requests once the store has it', async () => {
    store.upsertTenant('acme', { displayName: 'Acme', config: { threshold: 0.2 } });
    const seen: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100; i++) {
      const before = instances['a']?.seen.length ?? 0;
      await send('/v1/echo', { key: secret });
      seen.push(decodeConfigHeader(instances['a']?.seen[before]?.headers['x-mlaas-config'] as string));
      if (seen[seen.length - 1]?.['threshold'] === 0.2) break;
      await sleep(10);
    }
    expect(seen[seen.length - 1]).toEqual({ threshold: 0.2 });
  });

  it('splits a service 50/50 between two revisions once the store says so', async () => {
    const rev = store.createRevision('echo', { timeoutSeconds: 30 });
    store.setRevisionState(rev.name, 'ready');
    store.setReadyInstances(rev.name, [endpoint('b')]);
    store.setTraffic('echo', { sticky: false, targets: [{ revision: 'echo-00001', percent: 50 }, { revision: rev.name, percent: 50 }] });
    await plane.refresh();
    const answered = new Map<string, number>();
    for (let i = 0; i < 200 && answered.size < 2; i++) {
      const { body } = await send('/v1/echo', { key: secret });
      answered.set(String(body['instance'] ?? 'fallback'), (answered.get(String(body['instance'] ?? 'fallback')) ?? 0) + 1);
    }
    expect([...answered.keys()].sort()).toEqual(['a', 'b']);
    const last = instances['b']?.seen[(instances['b']?.seen.length ?? 1) - 1];
    expect(last?.headers['x-mlaas-revision']).toBe(rev.name);
  });
  it('sends every request of a tenant with a tenant rule to its tag’s revision', async () => {
    store.setTraffic('echo', {
      sticky: false,
      targets: [{ revision: 'echo-00001', percent: 50 }, { revision: 'echo-00002', percent: 50, tag: 'canary' }],
      tenantTags: { acme: 'canary' },
    });
    await plane.refresh();
    const who = [];
    for (let i = 0; i < 20; i++) who.push((await send('/v1/echo', { key: secret })).body['instance']);
    expect(who).toEqual(Array(20).fill('b'));
  });
});

describe('load and drains', () => {
  it('reports a revision’s request in flight while it is answered', async () => {
    expect(plane.revisionLoad('slow-00001')).toBe(0);
    const slow = send('/v1/slow?delay=1500', { key: secret });
    let load = 0;
    for (let i = 0; i < 25 && load === 0; i++) {
      await sleep(50);
      load = plane.revisionLoad('slow-00001');
    }
    expect(load).toBe(1);
    expect((await slow).status).toBe(200);
  });

  it('lets a draining instance finish its request, sends it nothing new, and resolves after', async () => {
    const slow = send('/v1/slow?delay=1500', { key: secret });
    let busy: Echo | undefined;
    for (let i = 0; i < 50 && busy === undefined; i++) {
      await sleep(20);
      busy = [instances['s1'], instances['s2']].find((e) => (e as Echo).inFlight > 0);
    }
    expect(busy).toBeDefined();
    const draining = busy as Echo;
    const other = (draining === instances['s1'] ? instances['s2'] : instances['s1']) as Echo;
    let drainedAt = 0;
    const drained = plane.drainInstances([`inst-${draining.name}`], 10_000).then(() => (drainedAt = Date.now()));
    await sleep(100);
    const during = await Promise.all(Array.from({ length: 6 }, () => send('/v1/slow', { key: secret })));
    expect(during.map((a) => a.body['instance'])).toEqual(Array(6).fill(other.name));
    expect(await slow).toEqual({ status: 200, body: { instance: draining.name, url: '/?delay=1500' } });
    await drained;
    expect(drainedAt).toBeGreaterThanOrEqual(draining.answeredAt);
  });
});

describe('an instance that fails', () => {
  it('has a refused connection tried again on another instance: every request is answered 200', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => send('/v1/flaky', { key: secret })));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 200));
    expect(new Set(answers.map((a) => a.body['instance']))).toEqual(new Set(['c']));
  });

  it('answers 502 GW_BACKEND_UNREACHABLE problem+json when the instance closes the connection with the request inside', async () => {
    const before = instances['c']?.seen.length ?? 0;
    const answer = await send('/v1/flaky?die=1', { key: secret });
    expect(answer).toMatchObject({ status: 502, body: { code: 'GW_BACKEND_UNREACHABLE', status: 502 } });
    // Sent once, not again: HAProxy retries only what an instance never got.
    expect((instances['c']?.seen.length ?? 0) - before).toBe(1);
  });
});

describe('deadlines', () => {
  it('answers 504 GW_DEADLINE_EXCEEDED when the revision takes longer than its timeoutSeconds, within a longer route deadline', async () => {
    const startedAt = Date.now();
    const answer = await send('/v1/tight?delay=3000', { key: secret });
    expect(answer).toMatchObject({ status: 504, body: { code: 'GW_DEADLINE_EXCEEDED' } });
    expect(Date.now() - startedAt).toBeLessThan(2_900);
  });

  it('keeps the route deadline when it is the smaller bound', async () => {
    const startedAt = Date.now();
    const answer = await send('/v1/short?delay=2500', { key: secret });
    expect(answer).toMatchObject({ status: 504, body: { code: 'GW_DEADLINE_EXCEEDED' } });
    expect(Date.now() - startedAt).toBeLessThan(2_400);
  });
});

/** A POST with the key, answered as status, headers and text (a trickled answer is no JSON). */
function sendRaw(pathAndQuery: string, key: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: plane.port, path: pathAndQuery, method: 'POST', headers: { 'x-api-key': key, 'content-length': '2' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('the queue of a busy instance', () => {
  it.each([
    ['/v1/full', 429, 'GW_AT_CAPACITY'],
    ['/v1/growing', 503, 'GW_NO_INSTANCE'],
  ] as const)('%s: a request waiting past its deadline for the one busy instance gets %i %s with Retry-After, as the activator answers', async (route, status, code) => {
    const busy = sendRaw(`${route}?trickle=1500`, secret);
    const instance = instances[route.slice(4)] as Echo;
    while (instance.inFlight === 0) await sleep(10);
    const startedAt = Date.now();
    const queued = await sendRaw(route, secret);
    const waited = Date.now() - startedAt;
    expect(queued.status).toBe(status);
    expect(queued.headers['content-type']).toBe('application/problem+json');
    expect(queued.headers['retry-after']).toBe('1');
    expect(queued.headers['x-mlaas-haproxy-error']).toBeUndefined();
    expect(JSON.parse(queued.text)).toMatchObject({
      status,
      code,
      title: ERROR_CODES[code].title,
      type: `https://mlaas.dev/errors/${code}`,
      requestId: queued.headers['x-request-id'],
    });
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(1_400);
    // The instance never saw the refused request: only the busy one.
    expect(instance.seen).toHaveLength(1);
    expect(await busy).toMatchObject({ status: 200, text: expect.stringMatching(/^\.+$/) });
    expect(fallback.seen.filter((r) => r.url.startsWith(route))).toEqual([]);
  });
});

describe('a drain after the store let the instance go', () => {
  it('still resolves only after the instance answered its request in flight', async () => {
    const late = instances['late'] as Echo;
    const slow = send('/v1/late?delay=800', { key: secret });
    for (let i = 0; i < 50 && late.inFlight === 0; i++) await sleep(20);
    expect(late.inFlight).toBe(1);
    // The supervisor publishes the smaller ready set before it asks for the drain: HAProxy may be programmed in between.
    store.setReadyInstances('late-00001', []);
    await plane.refresh();
    let drainedAt = 0;
    await plane.drainInstances(['inst-late'], 10_000).then(() => (drainedAt = Date.now()));
    expect(await slow).toEqual({ status: 200, body: { instance: 'late', url: '/?delay=800' } });
    expect(drainedAt).toBeGreaterThanOrEqual(late.answeredAt);
  });
});

describe('a new gateway document', () => {
  it('serves its new operation natively after the reload, with the keys and instances it had', async () => {
    const next = `${document}  /v1/new:\n    post:\n      x-google-backend: { address: 'mlaas://slow/fresh' }\n      responses: { '200': { description: ok } }\n`;
    await plane.setOperations(parseGatewayDocument(parse(next)).operations);
    expect((await send('/v1/new', { key: secret })).body).toMatchObject({ url: '/fresh', instance: expect.stringMatching(/^s[12]$/) as string });
    expect((await send('/v1/echo', { key: secret })).body).toMatchObject({ instance: expect.stringMatching(/^[ab]$/) as string });
    expect((await send('/v1/echo', { key: revocable.secret })).body).toEqual({ fallback: true });
  });
});

describe('stop', () => {
  it('leaves no haproxy process behind', async () => {
    const pid = plane.status().pid;
    expect(pid).toBeDefined();
    expect(processIsRunning(pid as number)).toBe(true);
    await plane.stop();
    expect(processIsRunning(pid as number)).toBe(false);
    const config = path.join(dir, 'haproxy.cfg');
    const left = [];
    for (const entry of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(config) && processIsRunning(Number(entry))) left.push(entry);
    }
    expect(left).toEqual([]);
    await expect(send('/v1/echo', { key: secret })).rejects.toThrow();
  });
});

import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { KeyRecord, TenantRecord } from '../api/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';
import type { ReadyInstance } from './upstream-pools.js';

const header = (name: string) => ({ name, type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' });
const query = { name: 'api_key', type: 'apiKey' as const, in: 'query' as const, keyName: 'key' };

function op(partial: Partial<GatewayOperation> & Pick<GatewayOperation, 'path' | 'method'>): GatewayOperation {
  return {
    security: [[header('api_key_header')], [query]],
    apiKeySchemes: [header('api_key_header'), query],
    backend: { kind: 'service', service: 'echo', path: '/echo' },
    pathTranslation: 'CONSTANT_ADDRESS',
    deadlineMs: 15_000,
    configPath: `paths.${partial.path}.${partial.method.toLowerCase()}`,
    ...partial,
  } as GatewayOperation;
}

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

let upstream: Server;
let upstreamPort: number;
let gateway: Gateway;
let base: string;
let keyA: string;
let keyB: string;
let revokedKey: string;
let expiredKey: string;
const ready: Record<string, ReadyInstance[]> = {};
const abandoned: string[] = [];

function keyRecord(tenantId: string, extra: Partial<KeyRecord> = {}): { record: KeyRecord; key: string } {
  const k = generateApiKey();
  return {
    key: k.key,
    record: { id: k.id, tenantId, hash: hashSecret(k.secret), createdAt: new Date(0).toISOString(), ...extra },
  };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.startsWith('/hang')) {
        res.once('close', () => abandoned.push(req.url ?? ''));
        return;
      }
      if (req.url?.startsWith('/slow')) {
        setTimeout(() => res.end('late'), 2_000);
        return;
      }
      const echo: Echo = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      res.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
  ready['echo-00001'] = [{ id: 'echo-1', host: '127.0.0.1', port: upstreamPort }];
  ready['echo-00002'] = [{ id: 'echo-2', host: '127.0.0.1', port: upstreamPort }];
  ready['dead-00001'] = [{ id: 'dead-1', host: '127.0.0.1', port: 1 }];
  ready['none-00001'] = [];
  // One instance refuses connections (it is stopping), the other answers.
  ready['flaky-00001'] = [
    { id: 'flaky-1', host: '127.0.0.1', port: 1 },
    { id: 'flaky-2', host: '127.0.0.1', port: upstreamPort },
  ];

  const a = keyRecord('tenant-a');
  const b = keyRecord('tenant-b');
  const revoked = keyRecord('tenant-a', { revokedAt: new Date(0).toISOString() });
  const expired = keyRecord('tenant-a', { expiresAt: new Date(Date.now() - 1000).toISOString() });
  keyA = a.key;
  keyB = b.key;
  revokedKey = revoked.key;
  expiredKey = expired.key;
  const tenants: TenantRecord[] = [
    { id: 'tenant-a', displayName: 'A', config: { threshold: 0.7 }, attributes: {}, createdAt: '', updatedAt: '' },
    { id: 'tenant-b', displayName: 'B', config: { threshold: 0.2 }, attributes: {}, createdAt: '', updatedAt: '' },
  ];

  gateway = createGateway({
    operations: [
      op({ path: '/v1/echo', method: 'POST' }),
      op({ path: '/v1/users/{id}', method: 'GET' }),
      op({
        path: '/v1/append',
        method: 'POST',
        pathTranslation: 'APPEND_PATH_TO_ADDRESS',
        backend: { kind: 'service', service: 'echo', path: '/base' },
      }),
      op({ path: '/v1/open', method: 'GET', security: [] }),
      op({ path: '/v1/maybe', method: 'GET', security: [[header('api_key_header')], []] }),
      op({ path: '/v1/slow', method: 'GET', deadlineMs: 200, backend: { kind: 'service', service: 'echo', path: '/slow' } }),
      // Its only instance refuses connections: the request waits for a replacement until this deadline.
      op({ path: '/v1/dead', method: 'GET', deadlineMs: 300, backend: { kind: 'service', service: 'dead', path: '/' } }),
      // No instance at all: the request waits for one until this deadline (the default 15 s would only slow the test).
      op({ path: '/v1/none', method: 'GET', deadlineMs: 300, backend: { kind: 'service', service: 'none', path: '/' } }),
      op({ path: '/v1/flaky', method: 'GET', backend: { kind: 'service', service: 'flaky', path: '/' } }),
      op({ path: '/v1/hang', method: 'GET', backend: { kind: 'service', service: 'echo', path: '/hang' } }),
      op({ path: '/v1/phoenix', method: 'GET', backend: { kind: 'service', service: 'phoenix', path: '/' } }),
      op({ path: '/v1/unrouted', method: 'GET', backend: { kind: 'service', service: 'unrouted', path: '/' } }),
      op({ path: '/v1/canary', method: 'GET', backend: { kind: 'service', service: 'echo', tag: 'canary', path: '/echo' } }),
      op({ path: '/v1/outside', method: 'GET', backend: { kind: 'url', url: `http://127.0.0.1:${upstreamPort}/ext` } }),
    ],
    keys: [a.record, b.record, revoked.record, expired.record],
    tenants,
    instances: { ready: (service) => ready[service] ?? [] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  const only = (service: string, revision: string) =>
    compileRouting({ service, sticky: false, targets: [{ revision, percent: 100, tag: undefined }] });
  gateway.setRouting(
    'echo',
    compileRouting({
      service: 'echo',
      sticky: false,
      targets: [
        { revision: 'echo-00001', percent: 100, tag: undefined },
        { revision: 'echo-00002', percent: 0, tag: 'canary' },
      ],
    }),
  );
  for (const name of ['dead', 'none', 'flaky']) gateway.setRouting(name, only(name, `${name}-00001`));
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway.close();
  await new Promise((r) => upstream.close(r));
});

async function problem(res: Response): Promise<{ code: string; status: number; requestId: string }> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { code: string; status: number; requestId: string; stack?: unknown };
  expect(body.status).toBe(res.status);
  expect(body.stack).toBeUndefined();
  return body;
}

describe('gateway authentication', () => {
  it('answers 401 GW_KEY_MISSING without a key', async () => {
    const res = await fetch(`${base}/v1/echo`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('GW_KEY_MISSING');
  });

  it.each([
    ['malformed', 'not-a-key'],
    ['unknown', generateApiKey().key],
  ])('answers 401 GW_KEY_INVALID for a %s key', async (_, key) => {
    const res = await fetch(`${base}/v1/echo`, { method: 'POST', body: '{}', headers: { 'x-api-key': key } });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('GW_KEY_INVALID');
  });

  it('refuses revoked and expired keys', async () => {
    for (const key of [revokedKey, expiredKey]) {
      const res = await fetch(`${base}/v1/echo`, { method: 'POST', body: '{}', headers: { 'x-api-key': key } });
      expect(res.status).toBe(401);
    }
  });

  it('lets an operation with empty security through without a key', async () => {
    const res = await fetch(`${base}/v1/open`);
    expect(res.status).toBe(201);
    const echo = (await res.json()) as Echo;
    expect(echo.headers['x-mlaas-tenant']).toBeUndefined();
  });

  it('never forwards a key sent to an operation that checks none, in a header or the query', async () => {
    const res = await fetch(`${base}/v1/open?key=${encodeURIComponent(keyA)}&q=a%20b`, { headers: { 'x-api-key': keyB } });
    expect(res.status).toBe(201);
    const echo = (await res.json()) as Echo;
    expect(echo.headers['x-api-key']).toBeUndefined();
    expect(echo.url).toBe('/echo?q=a%20b');
  });

  it('checks a key on an operation whose key is optional only when one is presented', async () => {
    expect((await fetch(`${base}/v1/maybe`)).status).toBe(201);
    const withKey = await fetch(`${base}/v1/maybe`, { headers: { 'x-api-key': keyB } });
    expect(((await withKey.json()) as Echo).headers['x-mlaas-tenant']).toBe('tenant-b');
    expect((await fetch(`${base}/v1/maybe`, { headers: { 'x-api-key': 'mlk_bogus' } })).status).toBe(401);
  });
});

describe('gateway forwarding', () => {
  it('forwards with the tenant context and strips what the caller must not send', async () => {
    const res = await fetch(`${base}/v1/echo?x=1`, {
      method: 'POST',
      body: '{"text":"hi"}',
      headers: {
        'content-type': 'application/json',
        'x-api-key': keyA,
        'x-mlaas-tenant': 'tenant-b',
        'x-mlaas-config': 'forged',
        'x-request-id': 'req-123',
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const echo = (await res.json()) as Echo;
    expect(echo.method).toBe('POST');
    expect(echo.url).toBe('/echo?x=1');
    expect(echo.body).toBe('{"text":"hi"}');
    expect(echo.headers['x-mlaas-tenant']).toBe('tenant-a');
    expect(JSON.parse(Buffer.from(echo.headers['x-mlaas-config'] ?? '', 'base64url').toString())).toEqual({ threshold: 0.7 });
    expect(echo.headers['x-mlaas-revision']).toBe('echo-00001');
    expect(echo.headers['x-request-id']).toBe('req-123');
    expect(echo.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(echo.headers['x-api-key']).toBeUndefined();
  });

  it('takes a key from the query (Google form) and never forwards it', async () => {
    const res = await fetch(`${base}/v1/echo?key=${encodeURIComponent(keyB)}&y=2`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(201);
    const echo = (await res.json()) as Echo;
    expect(echo.url).toBe('/echo?y=2');
    expect(echo.headers['x-mlaas-tenant']).toBe('tenant-b');
  });

  it('passes path parameters as query parameters under CONSTANT_ADDRESS', async () => {
    const res = await fetch(`${base}/v1/users/42`, { headers: { 'x-api-key': keyA } });
    expect(((await res.json()) as Echo).url).toBe('/echo?id=42');
  });

  it('appends the request path under APPEND_PATH_TO_ADDRESS', async () => {
    const res = await fetch(`${base}/v1/append`, { method: 'POST', body: '{}', headers: { 'x-api-key': keyA } });
    expect(((await res.json()) as Echo).url).toBe('/base/v1/append');
  });

  it('forwards to an outside http backend', async () => {
    const res = await fetch(`${base}/v1/outside`, { headers: { 'x-api-key': keyA } });
    expect(((await res.json()) as Echo).url).toBe('/ext');
  });
});

describe('gateway revisions', () => {
  it('reaches a tagged revision by x-mlaas-tag or a mlaas://SERVICE@TAG backend', async () => {
    const byHeader = await fetch(`${base}/v1/echo`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-api-key': keyA, 'x-mlaas-tag': 'canary' },
    });
    const echo = (await byHeader.json()) as Echo;
    expect(echo.headers['x-mlaas-revision']).toBe('echo-00002');
    expect(echo.headers['x-mlaas-tag']).toBeUndefined();
    const byBackend = await fetch(`${base}/v1/canary`, { headers: { 'x-api-key': keyA } });
    expect(((await byBackend.json()) as Echo).headers['x-mlaas-revision']).toBe('echo-00002');
  });

  it('answers 404 GW_TAG_UNKNOWN for a tag no revision has', async () => {
    const res = await fetch(`${base}/v1/echo`, { method: 'POST', body: '{}', headers: { 'x-api-key': keyA, 'x-mlaas-tag': 'nope' } });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe('GW_TAG_UNKNOWN');
  });

  it('sends a request refused by a stopping instance to another one, so it does not fail', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${base}/v1/flaky`, { headers: { 'x-api-key': keyA } });
      expect(res.status).toBe(201);
    }
  });

  it('follows an instance that restarted on a new port under the same id', async () => {
    const old = createServer((_req, res) => res.end('old'));
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    ready['phoenix-00001'] = [{ id: 'phoenix-1', host: '127.0.0.1', port: (old.address() as AddressInfo).port }];
    gateway.setRouting('phoenix', compileRouting({ service: 'phoenix', sticky: false, targets: [{ revision: 'phoenix-00001', percent: 100, tag: undefined }] }));
    const ask = () => fetch(`${base}/v1/phoenix`, { headers: { 'x-api-key': keyA } });
    expect(await (await ask()).text()).toBe('old');
    await new Promise((r) => old.close(r));
    old.closeAllConnections();
    // The supervisor restarted it: same instance id, new process, new port.
    ready['phoenix-00001'] = [{ id: 'phoenix-1', host: '127.0.0.1', port: upstreamPort }];
    gateway.instancesChanged('phoenix-00001');
    const again = await ask();
    expect(again.status).toBe(201);
  });

  it('answers 503 with Retry-After for a service with no traffic published', async () => {
    const res = await fetch(`${base}/v1/unrouted`, { headers: { 'x-api-key': keyA } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
  });
});

describe('gateway errors', () => {
  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    const notFound = await fetch(`${base}/v1/nope`);
    expect(notFound.status).toBe(404);
    expect((await problem(notFound)).code).toBe('GW_ROUTE_NOT_FOUND');
    const wrong = await fetch(`${base}/v1/echo`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await problem(wrong)).code).toBe('GW_METHOD_NOT_ALLOWED');
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const declared = await fetch(`${base}/v1/echo`, { method: 'POST', body: 'x'.repeat(2048), headers: { 'x-api-key': keyA } });
    expect(declared.status).toBe(413);
    expect((await problem(declared)).code).toBe('GW_BODY_TOO_LARGE');

    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode('y'.repeat(512)));
        c.close();
      },
    });
    const chunked = await fetch(`${base}/v1/echo`, {
      method: 'POST',
      body: stream,
      headers: { 'x-api-key': keyA },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers 502 when the backend is unreachable, 503 with no instance, 504 past the deadline', async () => {
    const dead = await fetch(`${base}/v1/dead`, { headers: { 'x-api-key': keyA } });
    expect(dead.status).toBe(502);
    expect((await problem(dead)).code).toBe('GW_BACKEND_UNREACHABLE');
    const none = await fetch(`${base}/v1/none`, { headers: { 'x-api-key': keyA } });
    expect(none.status).toBe(503);
    expect(none.headers.get('retry-after')).toBe('1');
    const slow = await fetch(`${base}/v1/slow`, { headers: { 'x-api-key': keyA } });
    expect(slow.status).toBe(504);
    expect((await problem(slow)).code).toBe('GW_DEADLINE_EXCEEDED');
  });

  it('stops the backend request when the caller leaves before the answer', async () => {
    const ac = new AbortController();
    const pending = fetch(`${base}/v1/hang`, { headers: { 'x-api-key': keyA }, signal: ac.signal }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    expect(await pending).toBe('aborted');
    for (let i = 0; i < 100 && abandoned.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(abandoned).toEqual(['/hang']);
  });

  it.each([
    ['a request line that is not HTTP', 'HELLO WORLD\r\n\r\n', 400, 'GW_REQUEST_MALFORMED'],
    ['a header with a forbidden character', 'GET /v1/open HTTP/1.1\r\nHost: x\r\nBad\u0001Header: 1\r\n\r\n', 400, 'GW_REQUEST_MALFORMED'],
    ['a broken chunked body', 'GET /v1/open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'GW_REQUEST_MALFORMED'],
    ['headers over the limit', `GET /v1/open HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'GW_HEADERS_TOO_LARGE'],
  ])('answers %s with problem+json', async (_what, raw, status, code) => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect((gateway.server.address() as AddressInfo).port, '127.0.0.1', () => socket.end(raw));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(answer).toContain('content-type: application/problem+json');
    expect(answer).toContain(`"code":"${code}"`);
  });

  it('keeps serving after every error above', async () => {
    const res = await fetch(`${base}/v1/echo`, { method: 'POST', body: '{}', headers: { 'x-api-key': keyA } });
    expect(res.status).toBe(201);
  });

  it('applies a key change to the next request', async () => {
    gateway.setKeys([]);
    const res = await fetch(`${base}/v1/echo`, { method: 'POST', body: '{}', headers: { 'x-api-key': keyA } });
    expect(res.status).toBe(401);
  });
});

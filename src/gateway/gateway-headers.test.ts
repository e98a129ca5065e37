/**
 * What crosses the gateway in headers, both ways, over real HTTP: hop-by-hop
 * headers (RFC 9110 §7.6.1, including those a `Connection` header names)
 * stop at the gateway, and the forwarding headers a service sees describe the
 * caller's connection, not what the caller claimed.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';

let backend: Server;
let gateway: Gateway;
let gatewayPort: number;

const open: GatewayOperation = {
  path: '/v1/echo',
  method: 'GET',
  security: [],
  apiKeySchemes: [],
  backend: { kind: 'service', service: 'echo', path: '/echo' },
  pathTranslation: 'CONSTANT_ADDRESS',
  deadlineMs: 5_000,
  configPath: 'paths./v1/echo.get',
};

beforeAll(async () => {
  // Echoes the headers it got, and answers with hop-by-hop headers of its own.
  backend = createServer((req, res) => {
    const asked = req.headers['x-answer-value'];
    res.writeHead(200, {
      ...(typeof asked === 'string' ? { 'x-value': asked } : {}),
      'content-type': 'application/json',
      connection: 'keep-alive, x-backend-hop',
      'x-backend-hop': 'internal',
      'keep-alive': 'timeout=5',
      'x-backend-end': 'kept',
    });
    // Asked for, the headers as they came on the wire: their order, each line of a repeated one.
    res.end(JSON.stringify(req.headers['x-want-raw'] === undefined ? req.headers : req.rawHeaders));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const port = (backend.address() as AddressInfo).port;
  gateway = createGateway({
    operations: [open],
    keys: [],
    tenants: [],
    instances: { ready: () => [{ id: 'echo-a', host: '127.0.0.1', port }] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  gateway.setRouting('echo', compileRouting({ service: 'echo', sticky: false, targets: [{ revision: 'echo-1', percent: 100, tag: undefined }] }));
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  gatewayPort = (gateway.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await gateway.close();
  await new Promise((r) => backend.close(r));
});

/** A raw GET, so the test decides every header, Host and Connection included. */
function get(headers: Record<string, string>): Promise<{ sent: IncomingHttpHeaders; received: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gatewayPort, path: '/v1/echo', agent: false, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ sent: JSON.parse(text) as IncomingHttpHeaders, received: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET whose headers are set line by line (a repeated one as an array); answers the lines the service got. */
function getRaw(headers: [string, string | string[]][]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gatewayPort, path: '/v1/echo', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text) as string[]));
    });
    for (const [name, value] of headers) req.setHeader(name, value);
    req.on('error', reject);
    req.end();
  });
}

describe('forwarded headers', () => {
  it("keep the caller's order, with the gateway's request id and traceparent where the caller put its own, and each line of a repeated header", async () => {
    const raw = await getRaw([
      ['x-request-id', 'bad id!'],
      ['traceparent', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`],
      ['x-want-raw', '1'],
      ['set-cookie', ['a=1', 'b=2']],
      ['x-after', 'z'],
    ]);
    const names = raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    // undici writes the host and connection lines first.
    expect(names).toEqual([
      'host',
      'connection',
      'x-request-id',
      'traceparent',
      'x-want-raw',
      'set-cookie',
      'set-cookie',
      'x-after',
      'x-mlaas-revision',
      'x-forwarded-proto',
      'x-forwarded-host',
      'x-forwarded-for',
      'forwarded',
    ]);
    const value = (name: string): string[] => raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === name);
    expect(value('x-request-id')[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(value('traceparent')[0]).toMatch(new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-01$`));
    expect(value('set-cookie')).toEqual(['a=1', 'b=2']);
    expect(value('x-after')).toEqual(['z']);
  });
});

describe('answer headers', () => {
  it('pass on the value each answer had, when it changes between answers in its length, its bytes or neither', async () => {
    const long = 'x'.repeat(100);
    const values = ['aaaa', 'aaaa', 'bbbb', 'aaab', 'aaaa', 'café', 'cafe', 'aa', long, `${long}y`, long, 'aaaa'];
    const seen: unknown[] = [];
    for (const value of values) seen.push((await get({ host: 'localhost', 'x-answer-value': value })).received['x-value']);
    expect(seen).toEqual(values);
  });
});

describe('hop-by-hop headers', () => {
  it('does not forward the headers a caller names in Connection', async () => {
    const { sent } = await get({ connection: 'keep-alive, X-Hop-Secret, x-other-hop', 'x-hop-secret': 's3cret', 'x-other-hop': '1', 'x-end-to-end': 'kept' });
    expect(sent['x-hop-secret']).toBeUndefined();
    expect(sent['x-other-hop']).toBeUndefined();
    expect(sent['x-end-to-end']).toBe('kept');
  });

  it('does not pass back the headers a backend names in Connection', async () => {
    const { received } = await get({});
    expect(received['x-backend-hop']).toBeUndefined();
    expect(received['keep-alive']).toBeUndefined();
    expect(received['x-backend-end']).toBe('kept');
  });
});

describe('forwarding headers', () => {
  it('replaces what the caller claims with its connection: address, host and protocol', async () => {
    const { sent } = await get({
      host: 'api.example.com',
      'x-forwarded-for': '10.9.8.7',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      forwarded: 'for=10.9.8.7;proto=https',
      'x-real-ip': '10.9.8.7',
    });
    expect(sent['x-forwarded-for']).toBe('127.0.0.1');
    expect(sent['x-forwarded-host']).toBe('api.example.com');
    expect(sent['x-forwarded-proto']).toBe('http');
    expect(sent['forwarded']).toBe('for=127.0.0.1;host="api.example.com";proto=http');
    expect(sent['x-real-ip']).toBeUndefined();
  });

  it('sets them on a request that sent none', async () => {
    const { sent } = await get({ host: 'localhost:8080' });
    expect(sent['x-forwarded-for']).toBe('127.0.0.1');
    expect(sent['x-forwarded-host']).toBe('localhost:8080');
    expect(sent['forwarded']).toBe('for=127.0.0.1;host="localhost:8080";proto=http');
  });
});

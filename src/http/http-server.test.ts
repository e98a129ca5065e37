// The HTTP kernel as its two users run it — the real gateway and the real admin API — over raw sockets on loopback.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import pino from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminServer } from '../control-plane/admin-api.js';
import { defineRoute } from '../control-plane/admin-router.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import { FakeStateStore } from '../state/fake-state-store.js';
import type { GatewayOperation } from '../config/index.js';
import { createGateway } from '../gateway/index.js';
import { compileRouting } from '../gateway/traffic-router.js';
import type { ConnectionLimits, ListenerCodes } from './listener.js';

/** Short timeouts, so that a test sees them expire; the cap test uses the default (long) ones. */
const FAST: Partial<ConnectionLimits> = { headerTimeout: 300, keepAliveTimeout: 500, requestTimeout: 600 };
const CAP = 8;

interface Started {
  server: Server;
  port: number;
  close(): Promise<void>;
}

interface Fixture {
  name: string;
  codes: ListenerCodes;
  start(limits: Partial<ConnectionLimits>): Promise<Started>;
  /** A request that must succeed, and its status. */
  normal(port: number): Promise<number>;
  normalStatus: number;
  /** The head of an authorized request that reads a JSON body, up to the blank line (not included). */
  bodyHead: string;
  /** The head of an authorized GET that answers at once. */
  getHead: string;
  /** Heads answered before their body is read, with the status they get. */
  early: ReadonlyArray<[string, number, string]>;
  /** A full request that stays in progress until `release`. */
  hanging: string;
  hangingCount(): number;
  release(): void;
}

// --- the gateway, in front of an upstream that echoes or holds requests ---

const key = generateApiKey();
const held: ServerResponse[] = [];
let upstream: Server;

function op(path: string, method: string, backendPath: string, security: GatewayOperation['security']): GatewayOperation {
  return {
    path,
    method,
    security,
    apiKeySchemes: security.flat(),
    backend: { kind: 'service', service: 'echo', path: backendPath },
    pathTranslation: 'CONSTANT_ADDRESS',
    deadlineMs: 20_000,
    configPath: `paths.${path}.${method.toLowerCase()}`,
  } as GatewayOperation;
}

const apiKey = [[{ name: 'api_key', type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' }]];

const gatewayFixture: Fixture = {
  name: 'gateway',
  codes: { malformed: 'GW_REQUEST_MALFORMED', headersTooLarge: 'GW_HEADERS_TOO_LARGE', timeout: 'GW_REQUEST_TIMEOUT', exhausted: 'GW_CONNECTIONS_EXHAUSTED', methodNotAllowed: 'GW_METHOD_NOT_ALLOWED' },
  async start(limits) {
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const gateway = createGateway({
      operations: [op('/v1/echo', 'POST', '/echo', apiKey), op('/v1/open', 'GET', '/echo', []), op('/v1/hang', 'GET', '/hang', [])],
      keys: [{ id: key.id, tenantId: 'acme', hash: hashSecret(key.secret), createdAt: new Date(0).toISOString() }],
      tenants: [{ id: 'acme', displayName: 'Acme', config: {}, attributes: {}, createdAt: '', updatedAt: '' }],
      instances: { ready: () => [{ id: 'echo-1', host: '127.0.0.1', port: upstreamPort }] },
      maxBodyBytes: 1024,
      connections: limits,
      logger: pino({ level: 'silent' }),
    });
    gateway.setRouting('echo', compileRouting({ service: 'echo', sticky: false, targets: [{ revision: 'echo-00001', percent: 100, tag: undefined }] }));
    const port = await listen(gateway.server);
    return { server: gateway.server, port, close: () => gateway.close() };
  },
  async normal(port) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/echo`, { method: 'POST', body: '{}', headers: { 'x-api-key': key.key } });
    await res.arrayBuffer();
    return res.status;
  },
  normalStatus: 200,
  bodyHead: `POST /v1/echo HTTP/1.1\r\nHost: x\r\nx-api-key: ${key.key}\r\n`,
  getHead: 'GET /v1/open HTTP/1.1\r\nHost: x\r\n',
  early: [
    ['POST /nope HTTP/1.1\r\nHost: x\r\n', 404, 'GW_ROUTE_NOT_FOUND'],
    ['POST /v1/echo HTTP/1.1\r\nHost: x\r\n', 401, 'GW_KEY_MISSING'],
    ['PUT /v1/echo HTTP/1.1\r\nHost: x\r\n', 405, 'GW_METHOD_NOT_ALLOWED'],
  ],
  hanging: 'GET /v1/hang HTTP/1.1\r\nHost: x\r\n\r\n',
  hangingCount: () => held.length,
  release() {
    for (const res of held.splice(0)) res.end('released');
  },
};

// --- the admin API, with two routes of its composition root's kind added ---

const TOKEN = 'mlat_kernel-test-token';
const waiting: Array<() => void> = [];

const adminFixture: Fixture = {
  name: 'admin API',
  codes: { malformed: 'ADMIN_REQUEST_MALFORMED', headersTooLarge: 'ADMIN_HEADERS_TOO_LARGE', timeout: 'ADMIN_REQUEST_TIMEOUT', exhausted: 'ADMIN_CONNECTIONS_EXHAUSTED', methodNotAllowed: 'ADMIN_METHOD_NOT_ALLOWED' },
  async start(limits) {
    const server = createAdminServer({
      store: new FakeStateStore(),
      token: TOKEN,
      connections: limits,
      status: () => ({ up: true }),
      onChange: () => undefined,
      routes: [
        defineRoute({ method: 'POST', path: '/v1/test/body', body: z.object({}).loose(), handle: ({ body }) => ({ status: 200, body }) }),
        defineRoute({
          method: 'GET',
          path: '/v1/test/hang',
          handle: () => new Promise((resolve) => waiting.push(() => resolve({ status: 200, body: { released: true } }))),
        }),
      ],
    });
    const port = await listen(server);
    return { server, port, close: () => closeServer(server) };
  },
  async normal(port) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await res.arrayBuffer();
    return res.status;
  },
  normalStatus: 200,
  bodyHead: `POST /v1/test/body HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\n`,
  getHead: `GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n`,
  early: [
    ['POST /v1/test/body HTTP/1.1\r\nHost: x\r\n', 401, 'ADMIN_TOKEN_MISSING'],
    [`POST /v1/nope HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n`, 404, 'ADMIN_ROUTE_NOT_FOUND'],
  ],
  hanging: `GET /v1/test/hang HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
  hangingCount: () => waiting.length,
  release() {
    for (const resolve of waiting.splice(0)) resolve();
  },
};

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/hang') held.push(res);
      else res.end('{"echo":true}');
    });
  });
  await listen(upstream);
});

afterAll(async () => {
  upstream.closeAllConnections();
  await closeServer(upstream);
});

// --- raw sockets ---

interface Exchange {
  /** Everything the server sent. */
  text: string;
  /** Whether the server closed the connection within the wait. */
  closed: boolean;
}

/**
 * Sends `bytes` and reads until the server closes or `waitMs` passes. The
 * client never closes its own side first, as a client that holds connections would not.
 */
function exchange(port: number, bytes: string, waitMs = 3_000): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      if (bytes !== '') socket.write(bytes);
    });
    let text = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('end', () => done(true));
    // A reset (the server closed while we were still sending) is a close too.
    socket.on('error', () => done(true));
  });
}

function statusLines(text: string): string[] {
  return text.match(/HTTP\/1\.1 \d{3}/g) ?? [];
}

function problemCode(text: string): string | undefined {
  return /"code":"([A-Z_]+)"/.exec(text)?.[1];
}

/** Server-side open connections (what holds file descriptors), polled until `ok` or the timeout. */
async function connectionsUntil(server: Server, ok: (n: number) => boolean, timeoutMs = 3_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await new Promise<number>((resolve, reject) => server.getConnections((err, count) => (err ? reject(err) : resolve(count))));
    if (ok(n) || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function openSilent(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
          socket.on('error', reject);
        }),
    ),
  );
}

describe.each([gatewayFixture, adminFixture])('the $name', (fx) => {
  describe('with short timeouts', () => {
    let started: Started;
    beforeAll(async () => {
      started = await fx.start(FAST);
    });
    afterAll(() => started.close());

    it('closes a connection that sends nothing within the header timeout', async () => {
      const { text, closed } = await exchange(started.port, '');
      expect(closed).toBe(true);
      expect(statusLines(text)).toEqual(['HTTP/1.1 408']);
      expect(await connectionsUntil(started.server, (n) => n === 0)).toBe(0);
    });

    it('answers half a request line with a 408 problem and closes the connection', async () => {
      const { text, closed } = await exchange(started.port, 'GET /v1/sta');
      expect(closed).toBe(true);
      expect(statusLines(text)).toEqual(['HTTP/1.1 408']);
      expect(text).toContain('content-type: application/problem+json');
      expect(problemCode(text)).toBe(fx.codes.timeout);
      expect(await connectionsUntil(started.server, (n) => n === 0)).toBe(0);
    });

    it('answers a body that stops arriving with one 408 problem', async () => {
      const { text, closed } = await exchange(started.port, `${fx.bodyHead}content-length: 10\r\n\r\n{}`);
      expect(closed).toBe(true);
      expect(statusLines(text)).toEqual(['HTTP/1.1 408']);
      expect(problemCode(text)).toBe(fx.codes.timeout);
    });

    it('answers an early error once when a malformed chunked body follows', async () => {
      for (const [head, status, code] of fx.early) {
        const { text, closed } = await exchange(started.port, `${head}transfer-encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n\r\n`);
        expect(closed).toBe(true);
        expect(statusLines(text)).toEqual([`HTTP/1.1 ${status}`]);
        expect(problemCode(text)).toBe(code);
        expect(text.toLowerCase()).toContain('connection: close');
      }
    });

    it('answers an early 413 once when more bytes than the body follow', async () => {
      const big = 'x'.repeat(fx.name === 'gateway' ? 1100 : 1024 * 1024 + 10);
      const { text, closed } = await exchange(started.port, `${fx.bodyHead}content-length: ${big.length}\r\n\r\n${big}GARBAGE\r\n\r\n`);
      expect(closed).toBe(true);
      expect(statusLines(text)).toEqual(['HTTP/1.1 413']);
    });

    it('lets a client that keeps sending a refused body read its 413, closing without a reset', async () => {
      const declared = fx.name === 'gateway' ? 200_000 : 2 * 1024 * 1024;
      const outcome = await new Promise<{ text: string; reset: boolean }>((resolve) => {
        const socket = connect({ port: started.port, host: '127.0.0.1', allowHalfOpen: true });
        let text = '';
        let reset = false;
        const slice = Buffer.alloc(16 * 1024, 0x61);
        let sent = 0;
        socket.on('connect', () => {
          socket.write(`${fx.bodyHead}content-length: ${declared}\r\n\r\n`);
          // The body keeps coming in small writes after the answer is out, as curl's upload would.
          const pump = setInterval(() => {
            if (sent >= declared || socket.destroyed) return clearInterval(pump);
            socket.write(slice);
            sent += slice.length;
          }, 2);
        });
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('error', () => (reset = true));
        socket.on('end', () => socket.end());
        socket.on('close', () => resolve({ text, reset }));
        setTimeout(() => socket.destroy(), 8_000);
      });
      expect(statusLines(outcome.text)).toEqual(['HTTP/1.1 413']);
      expect(outcome.reset).toBe(false);
    });

    it('answers a malformed body the handler is reading with one 400 problem', async () => {
      const { text, closed } = await exchange(started.port, `${fx.bodyHead}transfer-encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n\r\n`);
      expect(closed).toBe(true);
      expect(statusLines(text)).toEqual(['HTTP/1.1 400']);
      expect(problemCode(text)).toBe(fx.codes.malformed);
    });

    it('answers a request, then the malformed request pipelined after it, in order', async () => {
      const { text, closed } = await exchange(started.port, `${fx.getHead}\r\nHELLO WORLD\r\n\r\n`);
      expect(closed).toBe(true);
      expect(statusLines(text)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 400']);
      expect(problemCode(text)).toBe(fx.codes.malformed);
    });

    it.each([
      ['a request line that is not HTTP', 'HELLO WORLD\r\n\r\n', 400, 'malformed'],
      ['a header with a forbidden character', 'GET /v1/status HTTP/1.1\r\nHost: x\r\nBad\u0001Header: 1\r\n\r\n', 400, 'malformed'],
      ['HTTP/1.1 without Host', 'GET /v1/status HTTP/1.1\r\n\r\n', 400, 'malformed'],
      ['headers over the limit', `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headersTooLarge'],
      ['CONNECT, which Node would close unanswered', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'methodNotAllowed'],
    ] as const)('answers %s with problem+json and closes', async (_what, raw, status, which) => {
      const { text, closed } = await exchange(started.port, raw);
      expect(closed).toBe(true);
      expect(statusLines(text)).toEqual([`HTTP/1.1 ${status}`]);
      expect(text).toContain('content-type: application/problem+json');
      expect(problemCode(text)).toBe(fx.codes[which]);
    });

    it('still answers a normal client', async () => {
      expect(await fx.normal(started.port)).toBe(fx.normalStatus);
    });
  });

  describe(`with a cap of ${CAP} connections`, () => {
    let started: Started;
    beforeAll(async () => {
      started = await fx.start({ max: CAP });
    });
    afterAll(() => started.close());

    it('closes the longest-idle connections to make room: 3× the cap of silent ones do not lock a normal client out', async () => {
      const silent = await openSilent(started.port, 3 * CAP);
      const closedByServer = silent.map((s) => new Promise<boolean>((resolve) => s.once('close', () => resolve(true))));
      expect(await fx.normal(started.port)).toBe(fx.normalStatus);
      expect(await connectionsUntil(started.server, (n) => n <= CAP)).toBeLessThanOrEqual(CAP);
      const closed = await Promise.all(closedByServer.map((p) => Promise.race([p, new Promise<boolean>((r) => setTimeout(() => r(false), 1_000))])));
      expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(2 * CAP);
      for (const s of silent) s.destroy();
    });

    it('refuses a new connection with a 503 problem only when every connection has a request in progress', async () => {
      const busy = await openSilent(started.port, CAP);
      for (const s of busy) s.write(fx.hanging);
      const deadline = Date.now() + 3_000;
      while (fx.hangingCount() < CAP && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(fx.hangingCount()).toBe(CAP);
      const refused = await exchange(started.port, '');
      expect(refused.closed).toBe(true);
      expect(statusLines(refused.text)).toEqual(['HTTP/1.1 503']);
      expect(problemCode(refused.text)).toBe(fx.codes.exhausted);
      expect(refused.text.toLowerCase()).toContain('retry-after: 1');
      fx.release();
      expect(await fx.normal(started.port)).toBe(fx.normalStatus);
      for (const s of busy) s.destroy();
    });
  });
});

describe.each([gatewayFixture, adminFixture])('closing the $name', (fx) => {
  it('closes the connections that sent nothing or half a request head at once, so the close completes', async () => {
    const started = await fx.start({});
    const silent = await openSilent(started.port, 3);
    silent[0]?.write('GET /v1/sta');
    await connectionsUntil(started.server, (n) => n === 3);
    const closed = new Promise<string>((resolve) => started.server.close(() => resolve('closed')));
    expect(await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still open after 2 s'), 2_000))])).toBe('closed');
    for (const s of silent) s.destroy();
    await started.close().catch(() => undefined);
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

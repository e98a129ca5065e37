/**
 * The gateway answers every request exactly once, whatever fails behind it:
 * a passed deadline, an unreachable backend, an instance that dies with the
 * request inside it — for a POST with a body as for a GET. Real HTTP servers
 * on loopback stand in for instances; a raw client counts requests that get
 * no answer at all.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import { runAnswerCountingLoad } from '../../test/e2e/answer-counting-load.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';
import type { ReadyInstance } from './upstream-pools.js';

const apiKey = { name: 'api_key', type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' };

function op(path: string, service: string, deadlineMs = 10_000): GatewayOperation {
  return {
    path,
    method: 'POST',
    security: [[apiKey]],
    apiKeySchemes: [apiKey],
    backend: { kind: 'service', service, path: '/' },
    pathTranslation: 'CONSTANT_ADDRESS',
    deadlineMs,
    configPath: `paths.${path}.post`,
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on: connections to it are refused, as to a killed instance. */
async function refusingPort(): Promise<number> {
  const { server, port } = await listen(() => undefined);
  await new Promise((r) => server.close(r));
  return port;
}

const servers: Server[] = [];
const ready: Record<string, ReadyInstance[]> = {};
const logLines: Array<{ level: number; msg: string }> = [];
let gateway: Gateway;
let gatewayPort: number;
let key: string;
let okPort: number;

function route(service: string): void {
  gateway.setRouting(service, compileRouting({ service, sticky: false, targets: [{ revision: `${service}-1`, percent: 100, tag: undefined }] }));
}

/** Replaces the ready set of a service's revision, as the supervisor does when an instance dies or comes up. */
function setReady(service: string, instances: ReadyInstance[]): void {
  ready[`${service}-1`] = instances;
  gateway.instancesChanged(`${service}-1`);
}

interface Outcome {
  status: number | 'no answer';
  contentType?: string;
  code?: string;
  ms: number;
}

/** One POST with a body over a fresh connection; `no answer` when the socket closes without a response or `giveUpMs` passes. */
function post(path: string, giveUpMs: number): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: gatewayPort, path, method: 'POST', agent: false, headers: { 'x-api-key': key, 'content-type': 'application/json' } });
    const timer = setTimeout(() => {
      resolve({ status: 'no answer', ms: Date.now() - started });
      req.destroy();
    }, giveUpMs);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        const contentType = res.headers['content-type'];
        const code = contentType === 'application/problem+json' ? (JSON.parse(text) as { code: string }).code : undefined;
        resolve({ status: res.statusCode ?? 0, contentType, code, ms: Date.now() - started });
      });
    });
    req.on('error', () => {
      clearTimeout(timer);
      resolve({ status: 'no answer', ms: Date.now() - started });
    });
    req.end('{"text":"hello"}');
  });
}

beforeAll(async () => {
  const ok = await listen((_req, res) => res.end('{"ok":true}'));
  const hang = await listen(() => undefined);
  // Dies with the request inside: the connection closes before any answer, as when an instance is killed.
  const dying = await listen((req) => req.socket.destroy());
  servers.push(ok.server, hang.server, dying.server);
  okPort = ok.port;
  const refused = await refusingPort();
  ready['slow-1'] = [{ id: 'slow-a', host: '127.0.0.1', port: hang.port }];
  ready['gone-1'] = [{ id: 'gone-a', host: '127.0.0.1', port: refused }];
  ready['dies-1'] = [{ id: 'dies-a', host: '127.0.0.1', port: dying.port }];
  ready['pair-1'] = [
    { id: 'pair-a', host: '127.0.0.1', port: dying.port },
    { id: 'pair-b', host: '127.0.0.1', port: ok.port },
  ];
  ready['split-1'] = [
    { id: 'split-a', host: '127.0.0.1', port: refused },
    { id: 'split-b', host: '127.0.0.1', port: ok.port },
  ];

  const k = generateApiKey();
  key = k.key;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logLines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  gateway = createGateway({
    operations: [
      op('/v1/slow', 'slow', 300),
      op('/v1/gone', 'gone', 300),
      op('/v1/dies', 'dies', 300),
      op('/v1/pair', 'pair'),
      op('/v1/split', 'split'),
      op('/v1/replaced', 'replaced', 5_000),
      op('/v1/reborn', 'reborn', 5_000),
      op('/v1/load', 'load'),
    ],
    keys: [{ id: k.id, tenantId: 'acme', hash: hashSecret(k.secret), createdAt: new Date(0).toISOString() }],
    tenants: [{ id: 'acme', displayName: 'Acme', config: {}, attributes: {}, createdAt: '', updatedAt: '' }],
    instances: { ready: (revision) => ready[revision] ?? [] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'debug' }, sink),
  });
  for (const s of ['slow', 'gone', 'dies', 'pair', 'split', 'replaced', 'reborn', 'load']) route(s);
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  gatewayPort = (gateway.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await gateway.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('a POST whose backend fails gets exactly one answer', () => {
  it('answers 504 problem+json when the deadline passes', async () => {
    const r = await post('/v1/slow', 3_000);
    expect(r).toMatchObject({ status: 504, contentType: 'application/problem+json', code: 'GW_DEADLINE_EXCEEDED' });
  });

  it('answers 502 problem+json when the only instance refuses connections and none replaces it before the deadline', async () => {
    const r = await post('/v1/gone', 3_000);
    expect(r).toMatchObject({ status: 502, contentType: 'application/problem+json', code: 'GW_BACKEND_UNREACHABLE' });
  });

  it('answers 502 problem+json when the instance dies with the request inside and none replaces it before the deadline', async () => {
    const r = await post('/v1/dies', 3_000);
    expect(r).toMatchObject({ status: 502, contentType: 'application/problem+json', code: 'GW_BACKEND_UNREACHABLE' });
  });
});

describe('a request whose instance fails is sent to a live one', () => {
  it('retries a refused connection on the other instance, every time', async () => {
    for (let i = 0; i < 6; i++) expect((await post('/v1/split', 3_000)).status).toBe(200);
  });

  it('retries once on the other instance when the first died with the request inside (instances keep no state)', async () => {
    for (let i = 0; i < 6; i++) expect((await post('/v1/pair', 3_000)).status).toBe(200);
  });

  it('holds a request refused by the only instance until its replacement is ready', async () => {
    ready['replaced-1'] = [{ id: 'replaced-a', host: '127.0.0.1', port: await refusingPort() }];
    const pending = post('/v1/replaced', 6_000);
    await new Promise((r) => setTimeout(r, 300));
    // The supervisor restarted the instance: same slot id, a new process on a new port.
    setReady('replaced', [{ id: 'replaced-a', host: '127.0.0.1', port: okPort }]);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(250);
  });

  it('holds a request whose only instance died with it inside until the replacement is ready', async () => {
    const dying = await listen((req) => req.socket.destroy());
    servers.push(dying.server);
    ready['reborn-1'] = [{ id: 'reborn-a', host: '127.0.0.1', port: dying.port }];
    const pending = post('/v1/reborn', 6_000);
    await new Promise((r) => setTimeout(r, 300));
    setReady('reborn', []);
    setReady('reborn', [{ id: 'reborn-a', host: '127.0.0.1', port: okPort }]);
    expect((await pending).status).toBe(200);
  });
});

describe('under a POST load', () => {
  it('answers every request of a 4-connection load while one of two instances is killed', async () => {
    const victim = await listen((_req, res) => setTimeout(() => res.end('{"ok":true}'), 2));
    servers.push(victim.server);
    ready['load-1'] = [
      { id: 'load-a', host: '127.0.0.1', port: victim.port },
      { id: 'load-b', host: '127.0.0.1', port: okPort },
    ];
    let killed = false;
    const report = await runAnswerCountingLoad({
      url: `http://127.0.0.1:${gatewayPort}/v1/load`,
      headers: { 'x-api-key': key },
      body: '{"text":"hello"}',
      connections: 4,
      maxRequests: 2_000,
      durationMs: 10_000,
      answerWithinMs: 12_000,
      onAnswer: (done) => {
        if (done !== 300 || killed) return;
        killed = true;
        // kill -9: every connection to it resets at once, in flight or idle; the supervisor notices a moment later.
        victim.server.closeAllConnections();
        victim.server.close();
        setTimeout(() => setReady('load', [{ id: 'load-b', host: '127.0.0.1', port: okPort }]), 20);
      },
    });
    expect(killed).toBe(true);
    expect(report.noAnswer).toBe(0);
    expect(report.truncated).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.byStatus['200']).toBe(report.sent);
  });
});

describe('a caller that hangs up', () => {
  it('is logged below error level when it leaves in the middle of its body', async () => {
    logLines.length = 0;
    await new Promise<void>((resolve) => {
      const socket = connect(gatewayPort, '127.0.0.1', () => {
        socket.write(`POST /v1/pair HTTP/1.1\r\nHost: x\r\nx-api-key: ${key}\r\ncontent-length: 100\r\n\r\n{"text":`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(logLines.filter((l) => l.level >= 40)).toEqual([]);
    expect((await post('/v1/pair', 3_000)).status).toBe(200);
  });
});

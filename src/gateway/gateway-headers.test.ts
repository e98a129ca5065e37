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
    res.writeHead(200, {
      'content-type': 'application/json',
      connection: 'keep-alive, x-backend-hop',
      'x-backend-hop': 'internal',
      'keep-alive': 'timeout=5',
      'x-backend-end': 'kept',
    });
    res.end(JSON.stringify(req.headers));
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

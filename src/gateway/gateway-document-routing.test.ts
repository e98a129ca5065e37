/**
 * The gateway serving documents in Google's forms over real HTTP, against
 * real backends on loopback: path templates and their translation to the
 * backend path, `x-google-allow: all`, `allowCors` preflights passed through
 * (and answered by the gateway without it), and `protocol: h2` (h2c to a
 * node:http2 server).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseGatewayDocument } from '../config/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { testIdTokens } from './fixtures/test-id-tokens.js';
import { corsBackend } from '../../test/fixtures/cors-backend.js';

interface Seen {
  method: string;
  url: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
}

let http1: Server;
let h2: Http2Server;
let seen: Seen[] = [];
const gateways: Gateway[] = [];

const answer = corsBackend((req) => {
  seen.push({ method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion, headers: req.headers });
});

async function listen(server: Server | Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function gatewayFor(documentYaml: string): Promise<string> {
  const doc = parseGatewayDocument(parse(documentYaml));
  const gateway = createGateway({
    idTokens: await testIdTokens(),
    operations: doc.operations,
    keys: [],
    tenants: [],
    instances: { ready: () => [] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  gateways.push(gateway);
  return `http://127.0.0.1:${await listen(gateway.server)}`;
}

let withAll: string;
let configured: string;

beforeAll(async () => {
  http1 = createServer(answer);
  h2 = createH2Server(answer);
  const port = await listen(http1);
  const h2Port = await listen(h2);
  const document = (cors: boolean) => `
swagger: '2.0'
info: { title: routing, version: 1.0.0 }
host: api.example
${cors ? 'x-google-endpoints: [{ name: api.example, allowCors: true }]' : ''}
x-google-allow: all
x-google-backend: { address: 'http://127.0.0.1:${port}/root' }
paths:
  /v1/shelves/{shelf}/books/{book=*}:
    get:
      parameters:
        - { name: shelf, in: path, required: true, type: string }
        - { name: book, in: path, required: true, type: string }
      x-google-backend: { address: 'http://127.0.0.1:${port}/getBook' }
      responses: { '200': { description: ok } }
  /v1/files/{path=**}:
    get:
      parameters: [{ name: path, in: path, required: true, type: string }]
      x-google-backend: { address: 'http://127.0.0.1:${port}/files', path_translation: APPEND_PATH_TO_ADDRESS }
      responses: { '200': { description: ok } }
  /v1/blobs/{name=**}:
    get:
      parameters: [{ name: name, in: path, required: true, type: string }]
      x-google-backend: { address: 'http://127.0.0.1:${port}/blob', path_translation: CONSTANT_ADDRESS }
      responses: { '200': { description: ok } }
  /v2/h2/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, type: string }]
      x-google-backend: { address: 'http://127.0.0.1:${h2Port}/h2', protocol: h2 }
      responses: { '200': { description: ok } }
`;
  withAll = await gatewayFor(document(true));
  configured = await gatewayFor(document(false));
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await new Promise((r) => http1.close(r));
  await new Promise((r) => h2.close(r));
});

async function get(url: string, init?: RequestInit): Promise<{ status: number; body: { url?: string; httpVersion?: string; code?: string }; headers: Headers }> {
  seen = [];
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as { url?: string }), headers: res.headers };
}

describe('path templates through the gateway', () => {
  it('CONSTANT_ADDRESS appends {var} and {var=*} to the query, with or without a trailing slash', async () => {
    expect((await get(`${withAll}/v1/shelves/1/books/a%20b?lang=en`)).body.url).toBe('/getBook?lang=en&shelf=1&book=a%20b');
    expect((await get(`${withAll}/v1/shelves/1/books/2/`)).body.url).toBe('/getBook?shelf=1&book=2');
  });

  it('CONSTANT_ADDRESS passes a {var=**} value with its slashes', async () => {
    expect((await get(`${withAll}/v1/blobs/a/1/b/2`)).body.url).toBe('/blob?name=a/1/b/2');
    expect((await get(`${withAll}/v1/blobs/a/1/`)).body.url).toBe('/blob?name=a/1');
  });

  it('APPEND_PATH_TO_ADDRESS keeps the request path as sent, trailing slash included', async () => {
    expect((await get(`${withAll}/v1/files/a/b.txt`)).body.url).toBe('/files/v1/files/a/b.txt');
    expect((await get(`${withAll}/v1/files/dir/`)).body.url).toBe('/files/v1/files/dir/');
  });
});

describe('x-google-allow: all', () => {
  it('sends a path the document does not list to the top-level backend, path appended, without a key', async () => {
    const res = await get(`${withAll}/not/in/the/document?x=1`, { method: 'POST', body: 'hi' });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe('/root/not/in/the/document?x=1');
  });

  it('sends a listed path with a method the document does not list there to the top-level backend too', async () => {
    const res = await get(`${withAll}/v1/shelves/1/books/2`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe('/root/v1/shelves/1/books/2');
  });
});

describe('x-google-endpoints allowCors', () => {
  const preflight = { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } };

  it('passes a preflight to the backend of the route, and its CORS headers back', async () => {
    const res = await get(`${withAll}/v1/shelves/1/books/2`, preflight);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-headers')).toBe('x-api-key, content-type');
    expect(seen).toMatchObject([{ method: 'OPTIONS', url: '/getBook?shelf=1&book=2' }]);
  });

  it('passes a preflight for an unlisted path to the top-level backend', async () => {
    const res = await get(`${withAll}/elsewhere`, preflight);
    expect(res.status).toBe(204);
    expect(seen).toMatchObject([{ method: 'OPTIONS', url: '/root/elsewhere' }]);
  });

  it('without allowCors, answers a preflight itself with 405 and no CORS headers; the backend never sees it', async () => {
    const res = await get(`${configured}/v1/shelves/1/books/2`, preflight);
    expect(res.status).toBe(405);
    expect(res.body.code).toBe('GW_METHOD_NOT_ALLOWED');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(seen).toEqual([]);
  });

  it('passes the backend’s CORS headers on an actual request either way', async () => {
    for (const base of [withAll, configured]) {
      const res = await get(`${base}/v1/shelves/1/books/2`, { headers: { origin: 'https://app.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    }
  });
});

describe('protocol: h2', () => {
  it('speaks HTTP/2 in cleartext (h2c) to an http:// backend', async () => {
    const res = await get(`${withAll}/v2/h2/7`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: '/h2?id=7', httpVersion: '2.0' });
  });

  it('carries many requests at once over its few connections', async () => {
    const sessions = new Set<unknown>();
    const onSession = (s: unknown) => sessions.add(s);
    h2.on('session', onSession);
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${withAll}/v2/h2/${i}`).then((r) => r.json() as Promise<{ url: string }>)));
    h2.off('session', onSession);
    expect(all.map((b) => b.url)).toEqual(Array.from({ length: 40 }, (_, i) => `/h2?id=${i}`));
    expect(sessions.size).toBeLessThanOrEqual(4);
  });
});

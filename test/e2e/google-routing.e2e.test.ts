/**
 * Black-box: the real binary serving a gateway document in Google's forms,
 * in front of real backends this test runs on loopback (one HTTP/1.1, one
 * HTTP/2 cleartext). Path templates `{var}`, `{var=*}`, `{var=**}` with the
 * trailing-slash rule, through CONSTANT_ADDRESS and APPEND_PATH_TO_ADDRESS;
 * `x-google-allow: all` sending unlisted paths to the top-level backend;
 * `allowCors` passing preflights through (and, in a second document without
 * it, the gateway answering them with 405 instead); `protocol: h2`.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { corsBackend } from '../fixtures/cors-backend.js';

interface Seen {
  method: string;
  url: string;
  httpVersion: string;
  apiKey: string | undefined;
}

let http1: Server;
let h2: Http2Server;
let seen: Seen[] = [];

const answer = corsBackend((req) => {
  const key = req.headers['x-api-key'];
  seen.push({ method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion, apiKey: typeof key === 'string' ? key : undefined });
});

async function listen(server: Server | Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function document(port: number, h2Port: number, google: string): string {
  return `swagger: '2.0'
info: { title: google-routing, version: 1.0.0 }
host: api.example
${google}
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
paths:
  /v1/shelves/{shelf}/books/{book=*}:
    get:
      operationId: getBook
      parameters:
        - { name: shelf, in: path, required: true, type: string }
        - { name: book, in: path, required: true, type: string }
      x-google-backend: { address: 'http://127.0.0.1:${port}/getBook' }
      responses: { '200': { description: ok } }
  /v1/files/{path=**}:
    get:
      operationId: getFile
      parameters: [{ name: path, in: path, required: true, type: string }]
      x-google-backend: { address: 'http://127.0.0.1:${port}/files', path_translation: APPEND_PATH_TO_ADDRESS }
      responses: { '200': { description: ok } }
  /v2/h2/{id}:
    get:
      operationId: viaH2
      parameters: [{ name: id, in: path, required: true, type: string }]
      x-google-backend: { address: 'http://127.0.0.1:${h2Port}/h2', protocol: h2 }
      responses: { '200': { description: ok } }
`;
}

async function startWith(google: string): Promise<{ up: MlaasUp; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-google-'));
  const port = (http1.address() as AddressInfo).port;
  const h2Port = (h2.address() as AddressInfo).port;
  writeFileSync(path.join(dir, 'api.yaml'), document(port, h2Port, google));
  writeFileSync(path.join(dir, 'mlaas.yaml'), 'stateDir: .state\ngateway: { document: api.yaml }\ntenants:\n  demo: { demoKey: true }\n');
  return { up: await startMlaasUp(dir, '.state'), dir };
}

async function call(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: { url?: string; httpVersion?: string; code?: string } }> {
  seen = [];
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as { url?: string }) };
}

const preflight = { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } };

beforeAll(async () => {
  http1 = createServer(answer);
  h2 = createH2Server(answer);
  await listen(http1);
  await listen(h2);
});

afterAll(async () => {
  await new Promise((r) => http1.close(r));
  await new Promise((r) => h2.close(r));
});

describe('a document with x-google-allow: all and allowCors', () => {
  let up: MlaasUp;
  let dir: string;
  const key = () => ({ 'x-api-key': up.demoKey });

  beforeAll(async () => {
    ({ up, dir } = await startWith(
      `x-google-allow: all
x-google-backend: { address: 'http://127.0.0.1:${(http1.address() as AddressInfo).port}/root' }
x-google-endpoints:
  - name: api.example
    allowCors: true`,
    ));
  }, 150_000);

  afterAll(async () => {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds {var} and {var=*} into the constant address’s query, a trailing slash or not', async () => {
    for (const p of ['/v1/shelves/1/books/2', '/v1/shelves/1/books/2/']) {
      const res = await call(`${up.gatewayUrl}${p}?lang=en`, { headers: key() });
      expect(res.status).toBe(200);
      expect(res.body.url).toBe('/getBook?lang=en&shelf=1&book=2');
    }
    // Two slashes match no template: with x-google-allow: all, the top-level backend takes it.
    expect((await call(`${up.gatewayUrl}/v1/shelves/1/books/2//`, { headers: key() })).body.url).toBe('/root/v1/shelves/1/books/2//');
  });

  it('matches {var=**} over several segments and appends the path as sent', async () => {
    const res = await call(`${up.gatewayUrl}/v1/files/a/b/c.txt`, { headers: key() });
    expect(res.body.url).toBe('/files/v1/files/a/b/c.txt');
    expect((await call(`${up.gatewayUrl}/v1/files/dir/`, { headers: key() })).body.url).toBe('/files/v1/files/dir/');
  });

  it('still asks listed operations for their key', async () => {
    expect((await call(`${up.gatewayUrl}/v1/shelves/1/books/2`)).status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('sends unlisted paths, without a key, to the top-level backend with the path appended', async () => {
    const res = await call(`${up.gatewayUrl}/not/listed?q=1`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe('/root/not/listed?q=1');
  });

  it('passes a preflight, without a key, to the route’s backend and its CORS answer back', async () => {
    const res = await call(`${up.gatewayUrl}/v1/shelves/1/books/2`, preflight);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-headers')).toBe('x-api-key, content-type');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(seen).toEqual([{ method: 'OPTIONS', url: '/getBook?shelf=1&book=2', httpVersion: '1.1', apiKey: undefined }]);
    const actual = await call(`${up.gatewayUrl}/v1/shelves/1/books/2`, { headers: { ...key(), origin: 'https://app.example' } });
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('speaks HTTP/2 to the protocol: h2 backend', async () => {
    const res = await call(`${up.gatewayUrl}/v2/h2/7`, { headers: key() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: '/h2?id=7', httpVersion: '2.0' });
    expect(seen[0]?.apiKey).toBeUndefined();
  });
});

describe('a document without them', () => {
  let up: MlaasUp;
  let dir: string;

  beforeAll(async () => {
    ({ up, dir } = await startWith(''));
  }, 150_000);

  afterAll(async () => {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a preflight itself, 405 without CORS headers, and the backend never sees it', async () => {
    const res = await call(`${up.gatewayUrl}/v1/shelves/1/books/2`, preflight);
    expect(res.status).toBe(405);
    expect(res.body.code).toBe('GW_METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toBe('GET');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(seen).toEqual([]);
  });

  it('answers an unlisted path 404, and so a listed one with two trailing slashes', async () => {
    expect((await call(`${up.gatewayUrl}/not/listed`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await call(`${up.gatewayUrl}/v1/shelves/1/books/2//`, { headers: { 'x-api-key': up.demoKey } })).status).toBe(404);
    expect(seen).toEqual([]);
  });
});

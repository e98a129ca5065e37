// The admin API over real HTTP on a free port, backed by a real SQLite file.
import fs from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlaasError, PROBLEM_CONTENT_TYPE } from '../errors.js';
import { ADMIN_BODY_LIMIT_BYTES, createAdminServer } from './admin-api.js';
import { defineRoute } from './admin-router.js';
import type { AdminChange } from './admin-routes.js';
import { parseApiKey, verifySecret } from '../api/api-key.js';
import { SqliteStateStore } from '../state/sqlite-state-store.js';
import { exchange } from '../../test/fuzz/raw-http-exchange.js';

const TOKEN = 'mlat_test-token-0123456789';
const NOW = new Date('2025-03-01T12:00:00.000Z');

let stateDir: string;
let store: SqliteStateStore;
let server: Server;
let base: string;
let changes: AdminChange[];
let logged: object[];
let status: () => unknown;

beforeEach(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
  store = new SqliteStateStore({ stateDir, now: () => NOW });
  store.upsertTenant('acme', { displayName: 'Acme', config: { threshold: 0.7 } });
  store.upsertService('spam', { command: ['node', 'server.js'] });
  changes = [];
  logged = [];
  status = () => ({ up: true, instances: 2 });
  server = createAdminServer({
    store,
    token: TOKEN,
    status: () => status(),
    onChange: (what) => changes.push(what),
    logger: { error: (obj) => logged.push(obj) },
    now: () => NOW,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  store.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function call(method: string, url: string, init: { body?: string; token?: string | null } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(base + url, { method, headers, body: init.body });
}

async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `https://mlaas.dev/errors/${code}` });
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return body;
}

describe('admin API authentication', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'mlat_wrong'],
    ['a longer wrong token', TOKEN + 'x'],
  ])('answers 401 ADMIN_TOKEN_MISSING for %s on every route', async (_what, token) => {
    for (const [method, url] of [
      ['GET', '/v1/status'],
      ['GET', '/v1/keys'],
      ['POST', '/v1/tenants/acme/keys'],
      ['GET', '/v1/nowhere'],
    ] as const) {
      const res = await call(method, url, { token });
      await expectProblem(res, 401, 'ADMIN_TOKEN_MISSING');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(store.listKeys()).toEqual([]);
  });

  it('refuses the token sent with another scheme', async () => {
    const res = await fetch(`${base}/v1/status`, { headers: { authorization: `Basic ${TOKEN}` } });
    await expectProblem(res, 401, 'ADMIN_TOKEN_MISSING');
  });
});

describe('admin API reads', () => {
  it('answers status with the injected status value', async () => {
    const res = await call('GET', '/v1/status');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ up: true, instances: 2 });
  });

  it('lists and reads tenants', async () => {
    expect(await (await call('GET', '/v1/tenants')).json()).toMatchObject({ items: [{ id: 'acme', displayName: 'Acme' }] });
    expect(await (await call('GET', '/v1/tenants/acme')).json()).toMatchObject({ id: 'acme', config: { threshold: 0.7 } });
  });

  it('answers 404 problems for unknown tenants, keys and routes', async () => {
    const detail = async (res: Response): Promise<unknown> => (await expectProblem(res, 404, 'ADMIN_NOT_FOUND')).detail;
    expect(await detail(await call('GET', '/v1/tenants/nope'))).toBe('no tenant nope');
    expect(await detail(await call('DELETE', '/v1/tenants/nope'))).toBe('no tenant nope');
    expect(await detail(await call('GET', '/v1/keys/nope'))).toBe('no key nope');
    expect(await detail(await call('DELETE', '/v1/keys/nope'))).toBe('no key nope');
    expect(await detail(await call('POST', '/v1/keys/nope/rotate', { body: '{}' }))).toBe('no key nope');
    expect(await detail(await call('GET', '/v1/keys?tenant=nope'))).toBe('no tenant nope');
    expect(await detail(await call('POST', '/v1/tenants/nope/keys', { body: '{}' }))).toBe('no tenant nope');
    await expectProblem(await call('GET', '/v1/nowhere'), 404, 'ADMIN_ROUTE_NOT_FOUND');
    await expectProblem(await call('PUT', '/v1/services/spam'), 404, 'ADMIN_ROUTE_NOT_FOUND');
    await expectProblem(await call('GET', '/v1/services/%E0%A4%A'), 404, 'ADMIN_ROUTE_NOT_FOUND');
    expect(changes).toEqual([]);
  });

  it('lists the audit log newest first, limited, and rejects a bad limit with its field path', async () => {
    const res = await call('GET', '/v1/audit?limit=1');
    expect(await res.json()).toMatchObject({ items: [{ action: 'service.upsert', target: 'service/spam' }] });
    const bad = await expectProblem(await call('GET', '/v1/audit?limit=0'), 400, 'ADMIN_QUERY_INVALID');
    expect(bad.errors).toEqual([{ path: 'limit', message: expect.stringMatching(/≥ 1/) }]);
    const unknown = await expectProblem(await call('GET', '/v1/audit?limt=5'), 400, 'ADMIN_QUERY_INVALID');
    expect(unknown.errors).toEqual([{ path: 'limt', message: 'unknown key' }]);
  });

  it('answers 500 ADMIN_INTERNAL without the error text or a stack when a handler fails', async () => {
    status = () => {
      throw new Error('secret internals at /srv/mlaas/x.ts:12');
    };
    const body = await expectProblem(await call('GET', '/v1/status'), 500, 'ADMIN_INTERNAL');
    expect(JSON.stringify(body)).not.toContain('secret internals');
    expect(logged).toHaveLength(1);
  });
});

describe('admin API keys', () => {
  it('creates a key, shows the secret once, lists it without hash, and revokes it', async () => {
    const created = await call('POST', '/v1/tenants/acme/keys', { body: JSON.stringify({ description: 'ci', expiresAt: '2030-01-01T01:00:00+01:00' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const body = (await created.json()) as Record<string, string>;
    expect(body).toMatchObject({ tenantId: 'acme', createdAt: NOW.toISOString(), description: 'ci', expiresAt: '2030-01-01T00:00:00.000Z' });
    expect(body).not.toHaveProperty('hash');
    const parsed = parseApiKey(body.key ?? '');
    expect(parsed?.id).toBe(body.id);
    expect(created.headers.get('location')).toBe(`/v1/keys/${body.id}`);
    expect(verifySecret(parsed?.secret ?? '', store.getKey(body.id ?? '')?.hash ?? '')).toBe(true);
    expect(changes).toEqual(['keys']);

    const listed = (await (await call('GET', '/v1/keys?tenant=acme')).json()) as { items: Array<Record<string, unknown>> };
    expect(listed.items).toEqual([{ id: body.id, tenantId: 'acme', createdAt: NOW.toISOString(), description: 'ci', expiresAt: '2030-01-01T00:00:00.000Z' }]);
    expect(JSON.stringify(listed)).not.toContain(parsed?.secret);
    const one = (await (await call('GET', `/v1/keys/${body.id}`)).json()) as Record<string, unknown>;
    expect(one).not.toHaveProperty('hash');

    const revoked = await call('DELETE', `/v1/keys/${body.id}`);
    expect(revoked.status).toBe(204);
    expect(await revoked.text()).toBe('');
    expect(changes).toEqual(['keys', 'keys']);
    const after = (await (await call('GET', '/v1/keys')).json()) as { items: Array<Record<string, unknown>> };
    expect(after.items[0]?.revokedAt).toBe(NOW.toISOString());

    // Revoking again is a no-op: still 204, no new change, no new audit row.
    expect((await call('DELETE', `/v1/keys/${body.id}`)).status).toBe(204);
    expect(changes).toEqual(['keys', 'keys']);
    const audit = (await (await call('GET', '/v1/audit?limit=2')).json()) as { items: Array<Record<string, unknown>> };
    expect(audit.items.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['admin', 'key.revoke', `key/${body.id}`],
      ['admin', 'key.create', `key/${body.id}`],
    ]);
  });

  it('accepts an empty body as "no options"', async () => {
    const res = await fetch(`${base}/v1/tenants/acme/keys`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(201);
    expect(parseApiKey(((await res.json()) as { key: string }).key)).toBeDefined();
  });

  it('rejects invalid options with one error per field path and creates nothing', async () => {
    const res = await call('POST', '/v1/tenants/acme/keys', { body: JSON.stringify({ description: 7, expiresAt: 'tomorrow', scopes: [] }) });
    const body = await expectProblem(res, 400, 'ADMIN_BODY_INVALID');
    const errors = body.errors as Array<{ path: string; message: string }>;
    expect(errors.map((e) => e.path).sort()).toEqual(['description', 'expiresAt', 'scopes']);
    expect(errors.find((e) => e.path === 'description')?.message).toBe('expected string, got 7');
    expect(store.listKeys()).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('rejects an expiry in the past', async () => {
    const res = await call('POST', '/v1/tenants/acme/keys', { body: JSON.stringify({ expiresAt: '2020-01-01T00:00:00Z' }) });
    const body = await expectProblem(res, 400, 'ADMIN_BODY_INVALID');
    expect(body.errors).toEqual([{ path: 'expiresAt', message: 'must be in the future (now is 2025-03-01T12:00:00.000Z), got 2020-01-01T00:00:00Z' }]);
  });

  it('rejects malformed JSON with 400 and an oversized body with 413', async () => {
    await expectProblem(await call('POST', '/v1/tenants/acme/keys', { body: '{"description":' }), 400, 'ADMIN_JSON_MALFORMED');
    const huge = JSON.stringify({ description: 'x'.repeat(ADMIN_BODY_LIMIT_BYTES) });
    await expectProblem(await call('POST', '/v1/tenants/acme/keys', { body: huge }), 413, 'ADMIN_BODY_TOO_LARGE');
    expect(store.listKeys()).toEqual([]);
  });
});

describe('admin API hostile input', () => {
  it('answers 400 naming the field for a body nested 10,000 levels deep, and stores nothing', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await call('PUT', '/v1/tenants/acme', { body: `{"config": {"rules": ${deep}}}` });
    const text = JSON.stringify(await expectProblem(res, 400, 'ADMIN_BODY_INVALID'));
    const problem = JSON.parse(text) as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors[0]?.path).toMatch(/^config\.rules(\[0\])+$/);
    expect(problem.errors[0]?.message).toMatch(/nested deeper than \d+ levels/);
    expect(text.length).toBeLessThan(4096);
    expect(store.getTenant('acme')?.config).toEqual({ threshold: 0.7 });
  });

  it('keeps a 400 short when a body holds huge bad values, a huge unknown key and thousands of bad fields', async () => {
    const body = JSON.stringify({
      scopes: ['S'.repeat(300_000), ...Array.from({ length: 5_000 }, () => 'NOT A LABEL')],
      ['k'.repeat(300_000)]: true,
    });
    const res = await call('POST', '/v1/tenants/acme/keys', { body });
    const text = JSON.stringify(await expectProblem(res, 400, 'ADMIN_BODY_INVALID'));
    const problem = JSON.parse(text) as { detail: string; errors: Array<{ path: string; message: string }> };
    expect(problem.errors.find((e) => e.path === 'scopes[1]')?.message).toBe('expected a service name (DNS label), got "NOT A LABEL"');
    expect(problem.detail).toMatch(/the first 50 of 5002 errors are listed/);
    expect(text.length).toBeLessThan(40_000);
    expect(store.listKeys()).toEqual([]);
  });

  it('answers a DELETE whose chunked body is broken with one 400 and deletes nothing', async () => {
    const port = Number(new URL(base).port);
    const head = `DELETE /v1/tenants/acme HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const { responses } = await exchange([Buffer.from(head), Buffer.from('zz\r\nnot a chunk\r\n')], { port, expect: 2, quietMs: 1500 });
    expect(responses.map((r) => r.status)).toEqual([400]);
    expect(JSON.parse(responses[0]?.body.toString() ?? '{}')).toMatchObject({ code: 'ADMIN_REQUEST_MALFORMED' });
    expect(store.getTenant('acme')?.displayName).toBe('Acme');
  });
});

describe('admin API long actions', () => {
  let actionBase: string;
  let actionServer: Server;

  beforeEach(async () => {
    const action = defineRoute({
      method: 'POST',
      path: '/v1/action/:outcome',
      handle: ({ params }) => ({
        status: 200,
        events: async (emit) => {
          if (params.outcome === 'early') throw new MlaasError('ADMIN_BODY_INVALID', 'refused before starting', { errors: [{ path: 'x', message: 'bad' }] });
          emit({ step: 'one' });
          emit({ step: 'two' });
          if (params.outcome === 'late') throw new MlaasError('REVISION_NOT_READY', 'failed after starting');
          if (params.outcome === 'crash') throw new Error('secret internals');
          return { done: true };
        },
      }),
    });
    actionServer = createAdminServer({ store, token: TOKEN, status: () => ({}), onChange: () => {}, logger: { error: (obj) => logged.push(obj) }, routes: [action] });
    await new Promise<void>((resolve) => actionServer.listen(0, '127.0.0.1', resolve));
    actionBase = `http://127.0.0.1:${(actionServer.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => actionServer.close(resolve));
  });

  /** One request read to the end with node:http, which shows trailers. */
  function send(outcome: string, accept?: string): Promise<{ status: number; type: string; vary: string; text: string; trailers: NodeJS.Dict<string> }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
      if (accept !== undefined) headers['accept'] = accept;
      const req = request(`${actionBase}/v1/action/${outcome}`, { method: 'POST', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', vary: String(res.headers['vary']), text, trailers: res.trailers }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it.each([
    ['succeeds', 'ok', 200, 'application/json', { done: true }],
    ['fails before starting', 'early', 400, PROBLEM_CONTENT_TYPE, { code: 'ADMIN_BODY_INVALID', errors: [{ path: 'x', message: 'bad' }] }],
    ['fails after progress', 'late', 409, PROBLEM_CONTENT_TYPE, { code: 'REVISION_NOT_READY', detail: 'failed after starting' }],
    ['crashes after progress', 'crash', 500, PROBLEM_CONTENT_TYPE, { code: 'ADMIN_INTERNAL' }],
  ])('answers a client that asks for no stream, when the action %s, with its real status and one JSON body', async (_, outcome, status, type, body) => {
    for (const accept of [undefined, '*/*', 'application/json', 'application/x-ndjson;q=0']) {
      const res = await send(outcome, accept);
      expect(res.status).toBe(status);
      expect(res.type).toBe(type);
      expect(JSON.parse(res.text)).toMatchObject(body);
      expect(res.text).not.toContain('secret');
      expect(res.vary).toBe('accept');
    }
  });

  it('streams progress lines to a client that asks for them, ending in the result or the problem, with the status in the trailer', async () => {
    const ok = await send('ok', 'application/json, application/x-ndjson');
    expect(ok).toMatchObject({ status: 200, type: 'application/x-ndjson', trailers: { 'x-mlaas-status': '200' } });
    expect(ok.text.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ step: 'one' }, { step: 'two' }, { result: { done: true } }]);

    const late = await send('late', 'application/x-ndjson');
    expect(late).toMatchObject({ status: 200, type: 'application/x-ndjson', trailers: { 'x-mlaas-status': '409' } });
    expect(JSON.parse(late.text.trim().split('\n').at(-1) ?? '')).toMatchObject({ error: { code: 'REVISION_NOT_READY', status: 409 } });

    const early = await send('early', 'application/x-ndjson');
    expect(early).toMatchObject({ status: 400, type: PROBLEM_CONTENT_TYPE });
  });
});

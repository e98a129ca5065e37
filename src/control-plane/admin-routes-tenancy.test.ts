// Tenants, flags, key scopes, quotas and rotation through the admin API over real HTTP, on a real SQLite file.
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminServer } from './admin-api.js';
import type { AdminChange } from './admin-routes.js';
import { SqliteStateStore } from '../state/sqlite-state-store.js';

const TOKEN = 'mlat_test-token-0123456789';
const NOW = new Date('2025-03-01T12:00:00.000Z');

let stateDir: string;
let store: SqliteStateStore;
let server: http.Server;
let base: string;
let changes: AdminChange[];

beforeEach(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
  store = new SqliteStateStore({ stateDir, now: () => NOW });
  changes = [];
  server = createAdminServer({ store, token: TOKEN, status: () => ({}), onChange: (what) => changes.push(what), now: () => NOW });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  store.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const flag = (defaultVariant: string) => ({
  flags: { threshold: { state: 'ENABLED', variants: { low: 0.3, high: 0.7 }, defaultVariant } },
});

describe('tenants', () => {
  it('creates (201) and replaces (200) a tenant with attributes and quotas, telling the gateway each time', async () => {
    const body = { config: { threshold: 0.5 }, attributes: { plan: 'pro' }, quota: { requestsPerMinute: 600, burst: 20 } };
    expect(await call('PUT', '/v1/tenants/acme', body)).toMatchObject({ status: 201, body: { id: 'acme', displayName: 'acme', ...body } });
    expect((await call('PUT', '/v1/tenants/acme', { displayName: 'Acme' })).status).toBe(200);
    expect(store.getTenant('acme')).toMatchObject({ displayName: 'Acme', config: {}, attributes: {} });
    expect(changes).toEqual(['tenants', 'tenants']);
    expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'admin', action: 'tenant.upsert', target: 'tenant/acme' });
  });

  it('refuses a bad id or quota with the field path, and deletes a tenant with its keys', async () => {
    expect(await call('PUT', '/v1/tenants/Not_A_Label', {})).toMatchObject({ status: 400, body: { code: 'ADMIN_BODY_INVALID' } });
    expect(await call('PUT', '/v1/tenants/acme', { quota: { requestsPerMinute: 0 } })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'quota.requestsPerMinute', message: 'expected integer ≥ 1, got 0' }] },
    });
    await call('PUT', '/v1/tenants/acme', {});
    await call('POST', '/v1/tenants/acme/keys', {});
    expect((await call('DELETE', '/v1/tenants/acme')).status).toBe(204);
    expect(store.listKeys()).toEqual([]);
    expect((await call('DELETE', '/v1/tenants/acme')).status).toBe(404);
  });
});

describe('flags', () => {
  it('stores a valid flagd document, answers its flag keys and tells the gateway', async () => {
    expect(await call('GET', '/v1/flags')).toMatchObject({ status: 200, body: { flags: {} } });
    expect(await call('PUT', '/v1/flags', flag('high'))).toMatchObject({ status: 200, body: { flags: ['threshold'] } });
    expect((await call('GET', '/v1/flags')).body).toEqual(flag('high'));
    expect(changes).toEqual(['flags']);
  });

  it('refuses a document flagd would not load, listing each problem by path, and keeps the old flags', async () => {
    await call('PUT', '/v1/flags', flag('high'));
    const bad = await call('PUT', '/v1/flags', flag('medium'));
    expect(bad).toMatchObject({
      status: 400,
      body: { code: 'ADMIN_BODY_INVALID', errors: [{ path: 'flags.threshold.defaultVariant', message: 'expected one of the variants (low, high), got "medium"' }] },
    });
    expect((await call('GET', '/v1/flags')).body).toEqual(flag('high'));
  });
});

describe('keys', () => {
  beforeEach(() => {
    store.upsertTenant('acme', { displayName: 'Acme', config: {} });
  });

  it('creates a key with scopes and a quota', async () => {
    const created = await call('POST', '/v1/tenants/acme/keys', { scopes: ['spam-filter'], quota: { requestsPerMinute: 600 } });
    expect(created).toMatchObject({ status: 201, body: { scopes: ['spam-filter'], quota: { requestsPerMinute: 600 } } });
    expect(await call('POST', '/v1/tenants/acme/keys', { scopes: ['Spam Filter'] })).toMatchObject({ status: 400, body: { errors: [{ path: 'scopes[0]' }] } });
  });

  it('creates a key that may choose tags, and refuses a non-boolean allowTags', async () => {
    const created = await call('POST', '/v1/tenants/acme/keys', { allowTags: true });
    expect(created).toMatchObject({ status: 201, body: { allowTags: true } });
    expect((await call('POST', '/v1/tenants/acme/keys', {})).body).not.toHaveProperty('allowTags');
    expect(await call('POST', '/v1/tenants/acme/keys', { allowTags: 'yes' })).toMatchObject({ status: 400, body: { errors: [{ path: 'allowTags' }] } });
  });

  it('rotates: a new secret for the same tenant and scopes, the old key expiring after the overlap', async () => {
    const old = await call('POST', '/v1/tenants/acme/keys', { scopes: ['spam'] });
    const rotated = await call('POST', `/v1/keys/${String(old.body['id'])}/rotate`, { overlap: '1h' });
    expect(rotated).toMatchObject({
      status: 201,
      body: { key: expect.stringMatching(/^mlk_/), tenantId: 'acme', scopes: ['spam'], rotatedFrom: old.body['id'], previous: { expiresAt: '2025-03-01T13:00:00.000Z' } },
    });
    expect(rotated.body['key']).not.toBe(old.body['key']);
    expect(rotated.body).not.toHaveProperty('hash');
    const byDefault = await call('POST', `/v1/keys/${String(rotated.body['id'])}/rotate`, {});
    expect(byDefault.body['previous']).toMatchObject({ expiresAt: '2025-03-02T12:00:00.000Z' });
    expect(await call('POST', `/v1/keys/${String(old.body['id'])}/rotate`, { overlap: 'forever' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/keys/nosuchkey000/rotate', {})).toMatchObject({ status: 404 });
    expect(changes).toEqual(['keys', 'keys', 'keys']);
  });
});

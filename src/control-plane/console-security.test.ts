// The web console's security over real HTTP: nothing works without the cookie or the token, the cookie's flags,
// CSRF refusals, and the Content-Security-Policy on every answer.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminServer } from './admin-api.js';
import { seriesRoutes } from './admin-routes-series.js';
import { CONSOLE_PAGES } from './console-routes.js';
import { CSRF_HEADER, SESSION_COOKIE } from './console-sessions.js';
import { ServiceSeries } from './service-series.js';
import { SqliteStateStore } from '../state/sqlite-state-store.js';

const TOKEN = 'mlat_console-test-token-0123456789';

let dir: string;
let store: SqliteStateStore;
let server: Server;
let base: string;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-console-'));
  const assets = path.join(dir, 'console');
  fs.mkdirSync(assets);
  fs.writeFileSync(path.join(assets, 'app.js'), 'document.title = "console";');
  fs.writeFileSync(path.join(assets, 'app.css'), 'body { margin: 0 }');
  store = new SqliteStateStore({ stateDir: dir });
  store.upsertTenant('acme', { displayName: 'Acme', config: {} });
  const series = new ServiceSeries({ registry: new Registry(), readyInstances: () => new Map() });
  server = createAdminServer({ store, token: TOKEN, status: () => ({}), onChange: () => {}, routes: seriesRoutes(series), console: { assetsDir: assets } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function send(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return fetch(base + url, { method, headers, body, redirect: 'manual' });
}

async function signIn(): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await send('POST', '/v1/session', { 'content-type': 'application/json' }, JSON.stringify({ token: TOKEN }));
  expect(res.status).toBe(201);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: setCookie.split(';')[0] ?? '', csrf: csrfToken, setCookie };
}

const ADMIN_ROUTES: readonly [string, string][] = [
  ['GET', '/v1/status'],
  ['GET', '/v1/tenants'],
  ['GET', '/v1/keys'],
  ['GET', '/v1/flags'],
  ['PUT', '/v1/flags'],
  ['GET', '/v1/audit'],
  ['POST', '/v1/tenants/acme/keys'],
  ['GET', '/v1/console/series'],
  ['GET', '/v1/session'],
  ['DELETE', '/v1/session'],
];

describe('without the cookie or the token', () => {
  it('every console page redirects to the sign-in page, and shows no data', async () => {
    for (const page of CONSOLE_PAGES) {
      const res = await send('GET', page.replace(':name', 'spam'));
      expect(res.status, page).toBe(303);
      expect(res.headers.get('location')).toBe('/sign-in');
      expect(await res.text()).toBe('');
    }
  });

  it('every admin route answers 401 and changes nothing', async () => {
    for (const [method, url] of ADMIN_ROUTES) {
      const res = await send(method, url, { 'content-type': 'application/json' }, method === 'GET' ? undefined : '{"flags":{}}');
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('ADMIN_TOKEN_MISSING');
    }
    expect(store.listKeys()).toHaveLength(0);
  });

  it('the token is checked before the route is looked up: an unknown path answers 401 too, naming no route', async () => {
    const res = await send('GET', '/v1/no-such-route');
    expect(res.status).toBe(401);
  });

  it('a cookie the platform did not issue counts as none', async () => {
    const res = await send('GET', '/v1/tenants', { cookie: `${SESSION_COOKIE}=made-up` });
    expect(res.status).toBe(401);
    expect((await send('GET', '/', { cookie: `${SESSION_COOKIE}=made-up` })).status).toBe(303);
  });

  it('signing in with a wrong token sets no cookie', async () => {
    const res = await send('POST', '/v1/session', { 'content-type': 'application/json' }, JSON.stringify({ token: `${TOKEN}x` }));
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('signed in', () => {
  it('the session cookie is HttpOnly, SameSite=Strict, Path=/, and the token itself is not in it', async () => {
    const { setCookie } = await signIn();
    const attributes = setCookie.split(';').map((a) => a.trim());
    expect(attributes[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{40,}$`));
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(setCookie).not.toContain(TOKEN);
  });

  it('the cookie opens the pages and reads the admin API', async () => {
    const { cookie } = await signIn();
    const page = await send('GET', '/services/spam', { cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const shell = await page.text();
    // No inline script: every script tag loads a file of the console's own.
    expect(shell.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/console/app.js">']);
    expect((await send('GET', '/v1/tenants', { cookie })).status).toBe(200);
  });

  it('a change with the cookie but without the CSRF token is refused with 403 and changes nothing', async () => {
    const { cookie, csrf } = await signIn();
    const flags = JSON.stringify({ flags: { beta: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } });
    for (const headers of [{ cookie }, { cookie, [CSRF_HEADER]: `${csrf}x` }] as Record<string, string>[]) {
      const res = await send('PUT', '/v1/flags', { ...headers, 'content-type': 'application/json' }, flags);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('ADMIN_CSRF_REJECTED');
    }
    expect(store.getFlags()).toBeUndefined();
    const ok = await send('PUT', '/v1/flags', { cookie, [CSRF_HEADER]: csrf, 'content-type': 'application/json' }, flags);
    expect(ok.status).toBe(200);
    expect(store.getFlags()).toMatchObject({ flags: { beta: { defaultVariant: 'on' } } });
  });

  it('a cross-site form POST (what another site can make a browser send) creates no key', async () => {
    const { cookie } = await signIn();
    const res = await send(
      'POST',
      '/v1/tenants/acme/keys',
      { cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      'description=stolen',
    );
    expect(res.status).toBe(403);
    expect(store.listKeys()).toHaveLength(0);
  });

  it('a read the browser marks as cross-site is refused too', async () => {
    const { cookie } = await signIn();
    expect((await send('GET', '/v1/keys', { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // Another port of 127.0.0.1 (the gateway, whose services serve anything) is the same site, not the same origin.
    expect((await send('GET', '/v1/keys', { cookie, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await send('GET', '/v1/keys', { cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('signing out ends the session: the same cookie then opens nothing', async () => {
    const { cookie, csrf } = await signIn();
    const out = await send('DELETE', '/v1/session', { cookie, [CSRF_HEADER]: csrf });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    expect((await send('GET', '/v1/tenants', { cookie })).status).toBe(401);
    expect((await send('GET', '/', { cookie })).status).toBe(303);
  });
});

describe('the Bearer token (the CLI) keeps working', () => {
  it('reads and changes without a cookie or CSRF token', async () => {
    const authorization = `Bearer ${TOKEN}`;
    expect((await send('GET', '/v1/tenants', { authorization })).status).toBe(200);
    const made = await send('POST', '/v1/tenants/acme/keys', { authorization, 'content-type': 'application/json' }, '{}');
    expect(made.status).toBe(201);
  });
});

describe('a platform whose console is not built', () => {
  it('answers its pages with 503 ADMIN_CONSOLE_NOT_BUILT saying how to build it', async () => {
    const bare = createAdminServer({ store, token: TOKEN, status: () => ({}), onChange: () => {}, console: { assetsDir: path.join(dir, 'nothing') } });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/sign-in`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'ADMIN_CONSOLE_NOT_BUILT', detail: expect.stringContaining('npm run build') });
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
  });
});

describe('Content-Security-Policy', () => {
  it('is on every console answer: pages, redirects, sign-in, the bundle, errors', async () => {
    const { cookie } = await signIn();
    const answers = await Promise.all([
      send('GET', '/'),
      send('GET', '/', { cookie }),
      send('GET', '/models', { cookie }),
      send('GET', '/sign-in'),
      send('GET', '/console/app.js'),
      send('GET', '/console/app.css'),
      send('GET', '/console/nosuch.js'),
      send('GET', '/v1/tenants'),
      send('GET', '/v1/console/series', { cookie }),
      send('POST', '/v1/session', { 'content-type': 'application/json' }, '{"token":"wrong"}'),
    ]);
    for (const res of answers) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, res.url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(answers.map((r) => r.status)).toEqual([303, 200, 200, 200, 200, 200, 404, 401, 200, 401]);
  });
});

/**
 * Black-box: what the real `mlaas up` does with the parts of a Google gateway
 * document beyond routing. Quotas: `x-google-management` limits charged by
 * `x-google-quota.metricCosts`, per tenant, 429 with Retry-After naming the
 * limit, and shown by `mlaas status`. Backend authentication: the ID token
 * the gateway signs, which a backend on loopback verifies against the key set
 * the admin port publishes; `jwt_audience` and `disable_auth`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;
let backend: Server;
/** What the outside backend received, by path. */
const received: { path: string; headers: IncomingHttpHeaders }[] = [];
let adminUrl: string;

function gatewayDocument(backendUrl: string): string {
  return `swagger: '2.0'
info: { title: e2e, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
x-google-management:
  metrics:
    - name: read-requests
      displayName: Read requests
      valueType: INT64
      metricKind: DELTA
  quota:
    limits:
      - name: read-limit
        metric: read-requests
        unit: 1/min/{project}
        values: { STANDARD: 3 }
paths:
  /v1/read:
    get:
      x-google-backend: { address: '${backendUrl}/read' }
      x-google-quota: { metricCosts: { read-requests: 1 } }
      responses: { '200': { description: ok } }
  /v1/search:
    post:
      x-google-backend: { address: '${backendUrl}/search' }
      x-google-quota: { metricCosts: { read-requests: 2 } }
      responses: { '200': { description: ok } }
  /v1/verified:
    get:
      x-google-backend: { address: '${backendUrl}/verified' }
      responses: { '200': { description: ok } }
  /v1/custom:
    get:
      x-google-backend: { address: '${backendUrl}/verified', jwt_audience: 'https://custom.example.com' }
      responses: { '200': { description: ok } }
  /v1/no-token:
    get:
      x-google-backend: { address: '${backendUrl}/verified', disable_auth: true }
      responses: { '200': { description: ok } }
  /v1/service:
    get:
      x-google-backend: { address: 'mlaas://echo' }
      responses: { '200': { description: ok } }
`;
}

/** The claims of the bearer token in `authorization`, checked against the key set the admin port publishes; or why not. */
async function verified(authorization: string | undefined): Promise<object> {
  if (authorization === undefined) return { error: 'no Authorization' };
  try {
    const keySet = createRemoteJWKSet(new URL('/.well-known/jwks.json', adminUrl));
    const { payload } = await jwtVerify(authorization.replace(/^Bearer /, ''), keySet, { issuer: adminUrl, algorithms: ['ES256'] });
    return payload;
  } catch (err) {
    return { error: String(err) };
  }
}

async function admin<T>(method: string, route: string, body?: unknown): Promise<T> {
  const token = readFileSync(path.join(dir, 'state', 'admin-token'), 'utf8').trim();
  const res = await fetch(adminUrl + route, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  backend = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers });
      res.setHeader('content-type', 'application/json');
      if (req.url !== '/verified') return res.end('{"ok":true}');
      void verified(req.headers.authorization).then((claims) => res.end(JSON.stringify(claims)));
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-gwdoc-'));
  writeFileSync(path.join(dir, 'api-gateway.yaml'), gatewayDocument(`http://127.0.0.1:${(backend.address() as AddressInfo).port}`));
  writeNodeService(
    path.join(dir, 'echo'),
    `  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo: { source: echo, command: [node, server.mjs] }
tenants:
  acme: { demoKey: true }
  globex: {}
`,
  );
  up = await startMlaasUp(dir, 'state');
  adminUrl = (JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string }).adminUrl;
}, 120_000);

afterAll(async () => {
  await up?.stop();
  await new Promise((r) => backend.close(r));
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { code?: string; detail?: string };
}

async function call(route: string, key: string, method = 'GET'): Promise<Answer> {
  const res = await fetch(up.gatewayUrl + route, { method, headers: { 'x-api-key': key } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

describe('quotas from the gateway document', () => {
  it('answers 3 × 200 under a limit of 3 per minute at cost 1, then 429 with Retry-After naming the limit', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await call('/v1/read', up.demoKey));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    const refused = answers[3] as Answer;
    expect(refused.body.code).toBe('GW_QUOTA_EXCEEDED');
    expect(refused.body.detail).toContain('tenant acme is over limit "read-limit" of the gateway document');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    expect(received.filter((r) => r.path === '/read')).toHaveLength(3);
  });

  it('counts an operation of cost 2 double, against its own tenant', async () => {
    const { key } = await admin<{ key: string }>('POST', '/v1/tenants/globex/keys', {});
    const answers = [await call('/v1/search', key, 'POST'), await call('/v1/read', key), await call('/v1/read', key)];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2]?.body.detail).toContain('tenant globex is over limit "read-limit"');
  });

  it('shows each tenant’s use of the limit in mlaas status', async () => {
    const json = JSON.parse(await up.cliOk(['status', '--output', 'json'])) as { quotas: unknown };
    expect(json.quotas).toEqual([
      {
        limit: 'read-limit',
        metric: 'read-requests',
        perMinute: 3,
        use: [
          { tenant: 'acme', used: 3 },
          { tenant: 'globex', used: 3 },
        ],
      },
    ]);
    const table = await up.cliOk(['status']);
    expect(table).toMatch(/read-limit\s+read-requests\s+3\s+acme\s+3/);
    expect(table).toMatch(/read-limit\s+read-requests\s+3\s+globex\s+3/);
  });
});

describe('backend authentication', () => {
  async function claims(route: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const res = await fetch(up.gatewayUrl + route, { headers: { 'x-api-key': up.demoKey, ...headers } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  it('sends an outside backend a token it verifies with the admin port’s key set: issuer, audience = the address, an hour to live', async () => {
    const payload = await claims('/v1/verified', { authorization: 'Bearer the-callers-own' });
    expect(payload).toMatchObject({ iss: adminUrl, aud: 'http://127.0.0.1' });
    const now = Date.now() / 1000;
    expect(payload.exp as number).toBeGreaterThan(now + 3000);
    expect(payload.exp as number).toBeLessThanOrEqual(now + 3600 + 5);
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
  });

  it('uses jwt_audience as the audience', async () => {
    expect(await claims('/v1/custom')).toMatchObject({ iss: adminUrl, aud: 'https://custom.example.com' });
  });

  it('sends no token with disable_auth: true', async () => {
    expect(await claims('/v1/no-token')).toEqual({ error: 'no Authorization' });
  });

  it('sends a platform service a token for mlaas://SERVICE', async () => {
    const { authorization } = await claims('/v1/service');
    expect(await verified(authorization as string)).toMatchObject({ iss: adminUrl, aud: 'mlaas://echo' });
  });
});

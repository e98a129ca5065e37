// The native data plane's HAProxy config, rendered for a real document and checked by the real haproxy binary.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseGatewayDocument } from '../config/index.js';
import { checkConfig } from './haproxy-check-config.js';
import { renderHaproxyConfig, routeEntries, type HaproxyConfigInput } from './haproxy-config.js';
import { MAP_FILES } from './native-maps.js';
import { planOperations, type OperationPlan } from './native-operations.js';

const HAPROXY = '/usr/sbin/haproxy';

const document = `
swagger: '2.0'
info: { title: config, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
  query_key: { type: apiKey, name: key, in: query }
  dotted_key: { type: apiKey, name: api.key, in: query }
security: [{ api_key: [] }]
paths:
  /v1/header:
    post:
      x-google-backend: { address: 'mlaas://spam/predict', deadline: 30 }
      responses: { '200': { description: ok } }
  /v1/query:
    get:
      security: [{ query_key: [] }]
      x-google-backend: { address: 'mlaas://spam', path_translation: APPEND_PATH_TO_ADDRESS }
      responses: { '200': { description: ok } }
  /v1/open:
    post:
      security: []
      x-google-backend: { address: 'mlaas://echo/run', path_translation: CONSTANT_ADDRESS, disable_auth: true }
      responses: { '200': { description: ok } }
  /v1/items/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, type: string }]
      security: [{ dotted_key: [] }]
      x-google-backend: { address: 'mlaas://spam' }
      responses: { '200': { description: ok } }
`;

let dir: string;
let plan: OperationPlan;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlaas-haproxy-config-'));
  plan = planOperations(parseGatewayDocument(parse(document)).operations);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function input(overrides: Partial<HaproxyConfigInput> = {}): HaproxyConfigInput {
  return {
    plan,
    host: '127.0.0.1',
    port: 18080,
    fallbackPort: 18081,
    socket: path.join(dir, 'admin.sock'),
    mapDir: dir,
    slotQueueMs: [15_000, 15_000, 15_000, 15_000],
    threads: 1,
    maxBodyBytes: 1024,
    maxConnections: 1000,
    headerTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
    requestTimeoutMs: 60_000,
    ...overrides,
  };
}

/** Writes the config with its maps as the data plane does, and asks `haproxy -c`. */
async function check(c: HaproxyConfigInput, name: string) {
  for (const file of Object.values(MAP_FILES)) await fs.writeFile(path.join(dir, file), '');
  await fs.writeFile(path.join(dir, MAP_FILES.routes), [...routeEntries(c.plan)].map(([k, v]) => `${k} ${v}\n`).join(''));
  const file = path.join(dir, name);
  await fs.writeFile(file, renderHaproxyConfig(c));
  return checkConfig(file, HAPROXY);
}

describe('renderHaproxyConfig', () => {
  it('plans the document’s three exact operations as native and the templated one as delegated', () => {
    expect(plan.native.map((o) => [...plan.exact].find(([, n]) => n === o)?.[0])).toEqual(['POST/v1/header', 'GET/v1/query', 'POST/v1/open']);
    expect(plan.delegated).toEqual([{ method: 'GET', path: '/v1/items/{id}', reason: 'CONSTANT_ADDRESS with path variables (they go to the query)' }]);
    expect(plan.keyQueryParams).toEqual(['api.key', 'key']);
  });

  it('passes haproxy -c with a header key, a query key, no security and CONSTANT_ADDRESS operations', async () => {
    expect(await check(input(), 'haproxy.cfg')).toEqual({ ok: true });
  });

  it('passes haproxy -c on an IPv6 listen address and with one slot', async () => {
    expect(await check(input({ host: '::1', slotQueueMs: [15_000] }), 'haproxy-v6.cfg')).toEqual({ ok: true });
  });

  it('passes haproxy -c for a document HAProxy serves nothing of', async () => {
    const none: OperationPlan = { native: [], exact: new Map(), templates: [], delegated: plan.delegated, keyHeaders: [], keyQueryParams: [] };
    expect(await check(input({ plan: none }), 'haproxy-none.cfg')).toEqual({ ok: true });
  });

  it('is refused by haproxy -c when a map file it reads is missing, so the checks above can fail', async () => {
    const elsewhere = path.join(dir, 'missing');
    const file = path.join(dir, 'haproxy-missing.cfg');
    await fs.writeFile(file, renderHaproxyConfig(input({ mapDir: elsewhere })));
    const result = await checkConfig(file, HAPROXY);
    expect(result.ok).toBe(false);
  });
});

describe('routeEntries', () => {
  it('maps each route form to index|service|keyPlace|pathMode|prefix|signed|deadlineMs', () => {
    const routes = routeEntries(plan);
    expect(routes.get('POST/v1/header')).toBe('0|spam|1|0|/predict|1|30000');
    expect(routes.get('POST/v1/header/')).toBe('0|spam|1|0|/predict|1|30000');
    expect(routes.get('GET/v1/query')).toMatch(/^1\|spam\|2\|2\|\|1\|\d+$/);
    expect(routes.get('HEAD/v1/query')).toBe(routes.get('GET/v1/query'));
    expect(routes.get('POST/v1/open')).toMatch(/^2\|echo\|0\|0\|\/run\|0\|\d+$/);
    expect([...routes.keys()].some((k) => k.includes('items'))).toBe(false);
  });
});

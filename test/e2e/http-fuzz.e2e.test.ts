/**
 * Black-box fuzzing of the gateway and the admin API with malformed and
 * hostile HTTP (test/fuzz/http-fuzz-cases.ts), on raw sockets. Whatever the
 * bytes, every request whose bytes were all sent gets an answer, none gets
 * two, no 5xx but 502/503/504 comes back, and every error is problem+json.
 * The seeds are fixed, so a failure names the case to replay.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzCase, type FuzzCase, type FuzzTarget } from '../fuzz/http-fuzz-cases.js';
import { exchange, type RawResponse } from '../fuzz/raw-http-exchange.js';
import { isAlive, startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-fuzz-'));
  writeNodeService(
    path.join(dir, 'echo'),
    `  let size = 0;
  req.on('data', (c) => (size += c.length));
  req.on('end', () => {
    const wait = req.url.startsWith('/slow') ? 2500 : 0;
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, size }));
    }, wait);
  });`,
  );
  writeFileSync(
    path.join(dir, 'api.yaml'),
    `swagger: '2.0'
info: { title: fuzz, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
paths:
  /echo:
    post: { x-google-backend: { address: 'mlaas://echo/echo' }, responses: { '200': { description: ok } } }
    get: { x-google-backend: { address: 'mlaas://echo/echo' }, responses: { '200': { description: ok } } }
  /items/{id}:
    put: { x-google-backend: { address: 'mlaas://echo/items' }, parameters: [{ name: id, in: path, required: true, type: string }], responses: { '200': { description: ok } } }
  /slow:
    post: { x-google-backend: { address: 'mlaas://echo/slow', deadline: 1 }, responses: { '200': { description: ok } } }
  /open:
    get: { security: [], x-google-backend: { address: 'mlaas://echo/open' }, responses: { '200': { description: ok } } }
`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `stateDir: .state
gateway: { document: api.yaml }
services:
  echo: { source: echo, command: node server.mjs, scaling: { minInstances: 1 } }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, '.state');
}, 150_000);

afterAll(async () => {
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Findings {
  cases: number;
  answered: number;
  unanswered: string[];
  doubled: string[];
  bad5xx: string[];
  notProblem: string[];
}

async function fuzz(port: number, target: FuzzTarget, seeds: readonly number[], concurrency: number): Promise<Findings> {
  const findings: Findings = { cases: 0, answered: 0, unanswered: [], doubled: [], bad5xx: [], notProblem: [] };
  const queue = [...seeds];
  const one = async (c: FuzzCase): Promise<void> => {
    const result = await exchange([c.bytes], { port, expect: c.requests, quietMs: c.owed ? 4_000 : 500, headFirst: c.head });
    const where = `seed ${c.seed}: ${c.label}`;
    findings.cases++;
    if (result.responses.length > 0) findings.answered++;
    if (c.owed && result.responses.length === 0) findings.unanswered.push(`${where} (${result.ended}, ${result.trailing} stray bytes)`);
    if (result.responses.length > c.requests) findings.doubled.push(`${where}: ${result.responses.map((r) => r.status).join(', ')}`);
    for (const [i, response] of result.responses.entries()) {
      if (response.status >= 500 && ![502, 503, 504].includes(response.status)) findings.bad5xx.push(`${where}: ${response.status} ${response.body.toString().slice(0, 200)}`);
      if (response.status >= 400 && !isProblem(response, c.head && i === 0)) findings.notProblem.push(`${where}: ${response.status} ${response.headers['content-type'] ?? '(no type)'} ${response.body.toString().slice(0, 120)}`);
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) await one(fuzzCase(seed, target));
    }),
  );
  return findings;
}

/** A HEAD answer says problem+json in its type and carries no body to check. */
function isProblem(response: RawResponse, bodiless: boolean): boolean {
  if (!response.headers['content-type']?.startsWith('application/problem+json')) return false;
  if (bodiless) return true;
  try {
    const body = JSON.parse(response.body.toString()) as { code?: unknown; status?: unknown };
    return typeof body.code === 'string' && body.status === response.status;
  } catch {
    return false;
  }
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

function expectClean(findings: Findings): void {
  console.log(
    `fuzz: ${findings.cases} cases, ${findings.answered} answered, ${findings.unanswered.length} owed without an answer, ` +
      `${findings.doubled.length} answered twice, ${findings.bad5xx.length} 5xx other than 502/503/504, ${findings.notProblem.length} errors not problem+json`,
  );
  // Every finding in full (a diff of a long list is cut short), for replaying its seed.
  const { cases: _cases, answered: _answered, ...lists } = findings;
  if (Object.values(lists).some((list) => list.length > 0)) console.log(JSON.stringify(lists, null, 1));
  expect(findings.unanswered).toEqual([]);
  expect(findings.doubled).toEqual([]);
  expect(findings.bad5xx).toEqual([]);
  expect(findings.notProblem).toEqual([]);
}

describe('fuzzing with malformed HTTP', () => {
  it('the gateway answers every request once, with problem+json for errors and no 5xx but 502/503/504', async () => {
    const port = Number(new URL(up.gatewayUrl).port);
    const target = { paths: ['/echo', '/items/7', '/slow', '/open', '/nowhere', '/echo/extra'], credential: `x-api-key: ${up.demoKey}` };
    const findings = await fuzz(port, target, range(1, 4000), 16);
    expectClean(findings);
    expect(findings.answered).toBeGreaterThan(3500);
    const res = await fetch(`${up.gatewayUrl}/echo`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
    expect(res.status).toBe(200);
    expect(isAlive(up.child.pid as number)).toBe(true);
  }, 240_000);

  it('the admin API answers every request once, with problem+json for errors', async () => {
    const { adminUrl } = JSON.parse(readFileSync(path.join(dir, '.state', 'endpoint.json'), 'utf8')) as { adminUrl: string };
    const token = readFileSync(path.join(dir, '.state', 'admin-token'), 'utf8').trim();
    const target = { paths: ['/v1/status', '/v1/services', '/v1/services/echo', '/v1/tenants', '/v1/keys', '/v1/audit', '/nowhere'], credential: `Authorization: Bearer ${token}` };
    const findings = await fuzz(Number(new URL(adminUrl).port), target, range(100_001, 1000), 8);
    expectClean(findings);
    expect(isAlive(up.child.pid as number)).toBe(true);
  }, 240_000);
});

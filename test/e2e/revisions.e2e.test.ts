/**
 * Black-box: revisions and traffic through the real binary. Deploy v1 and
 * v2, reach v2 by tag, split 90/10, promote, roll back — while a steady load
 * from a second process runs through the gateway and must see no failure.
 * Then: a revision that cannot start never gets traffic, and kill -9 plus a
 * restart brings back the same revisions and traffic.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';
import { REPO } from './spam-model.js';

const LOAD_RATE = 200;
const LOAD_SECONDS = 25;

let dir: string;
let up: MlaasUp;

/** A dependency-free service whose answer names its version. */
function writeEchoSource(target: string, version: string, opts: { exitAtStart?: boolean } = {}): string {
  const prelude = opts.exitAtStart === true ? `console.error('missing configuration: cannot start'); process.exit(3);` : '';
  return writeNodeService(
    target,
    `  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: '${version}', revision: req.headers['x-mlaas-revision'], tenant: req.headers['x-mlaas-tenant'] }));
  });`,
    prelude,
  );
}

async function call(headers: Record<string, string> = {}): Promise<{ status: number; version?: string; revision?: string }> {
  const res = await fetch(`${up.gatewayUrl}/v1/echo`, {
    method: 'POST',
    headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json', ...headers },
    body: '{}',
  });
  const body = (await res.json()) as { version?: string; revision?: string };
  return { status: res.status, ...body };
}

async function versions(n: number, concurrency = 20): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const r = await call();
        const k = r.status === 200 ? (r.version ?? '?') : `status-${r.status}`;
        counts[k] = (counts[k] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-rev-'));
  writeEchoSource(path.join(dir, 'echo-v1'), 'v1');
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/echo' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo-v1
    command: [node, server.mjs]
    drainTimeoutSeconds: 5
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
}, 120_000);

afterAll(async () => {
  await up.stop('SIGKILL');
  // Instances of a SIGKILLed mlaas outlive it by design (own process groups); a last start-up reaps them.
  const again = await startMlaasUp(dir, 'state').catch(() => undefined);
  await again?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('revisions and traffic under steady load', () => {
  it('deploys, tags, splits, promotes and rolls back with 0 failed requests', async () => {
    expect(await call()).toMatchObject({ status: 200, version: 'v1', revision: 'echo-00001' });

    const load = spawn(process.execPath, [
      path.join(REPO, 'test', 'e2e', 'fixtures', 'steady-load.mjs'),
      `${up.gatewayUrl}/v1/echo`,
      up.demoKey,
      String(LOAD_RATE),
      String(LOAD_SECONDS),
    ]);
    let loadOut = '';
    load.stdout.on('data', (c: Buffer) => (loadOut += c.toString()));
    const loadDone = new Promise<void>((r) => load.once('exit', () => r()));

    // v2 with no traffic, reachable by its tag only
    writeEchoSource(path.join(dir, 'echo-v2'), 'v2');
    await up.cliOk(['deploy', 'echo', '--source', path.join(dir, 'echo-v2'), '--no-traffic', '--tag', 'canary']);
    expect(await call({ 'x-mlaas-tag': 'canary' })).toMatchObject({ status: 200, version: 'v2', revision: 'echo-00002' });
    expect((await versions(100))['v1']).toBe(100);

    // 90/10 split, observed over 2,000 requests within ±3 points
    await up.cliOk(['traffic', 'echo', 'echo-00001=90', 'echo-00002=10', '--tag', 'canary=echo-00002']);
    const split = await versions(2000);
    expect(split['v1'] ?? 0).toBeGreaterThan(0);
    const v2Share = ((split['v2'] ?? 0) / 2000) * 100;
    expect(v2Share).toBeGreaterThanOrEqual(7);
    expect(v2Share).toBeLessThanOrEqual(13);
    expect(Object.keys(split).sort()).toEqual(['v1', 'v2']);

    // promote, then roll back to the last revision that served 100%
    await up.cliOk(['traffic', 'echo', '--to-latest']);
    expect(await versions(50)).toEqual({ v2: 50 });
    await up.cliOk(['rollback', 'echo']);
    expect(await versions(50)).toEqual({ v1: 50 });

    await loadDone;
    const result = JSON.parse(loadOut) as { sent: number; counts: Record<string, number>; failures: string[] };
    expect(result.failures).toEqual([]);
    expect(result.counts).toEqual({ 200: LOAD_RATE * LOAD_SECONDS });

    const listed = JSON.parse(await up.cliOk(['revisions', 'echo', '-o', 'json'])) as Array<{ name: string; state: string; percent: number }>;
    expect(listed.map((r) => [r.name, r.percent])).toEqual([
      ['echo-00001', 100],
      ['echo-00002', 0],
    ]);
  }, 120_000);

  it('never gives traffic to a revision whose process exits at start, and says why', async () => {
    writeEchoSource(path.join(dir, 'echo-broken'), 'v3', { exitAtStart: true });
    const r = await up.cli(['deploy', 'echo', '--source', path.join(dir, 'echo-broken')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('echo-00003');
    expect(r.stderr).toContain('exited with code 3');
    expect(await versions(50)).toEqual({ v1: 50 });
    const listed = JSON.parse(await up.cliOk(['revisions', 'echo', '-o', 'json'])) as Array<{ name: string; state: string; reason?: string }>;
    expect(listed.find((x) => x.name === 'echo-00003')).toMatchObject({ state: 'failed', reason: expect.stringContaining('exited with code 3') });
  }, 60_000);

  it('comes back after kill -9 with the same revisions and traffic, and no instance of the old run left', async () => {
    const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: Array<{ instances: Array<{ pid: number }> }> };
    const oldPids = status.services.flatMap((s) => s.instances.map((i) => i.pid));
    expect(oldPids.length).toBeGreaterThan(0);
    const before = await up.cliOk(['revisions', 'echo', '-o', 'json']);

    await up.stop('SIGKILL');
    up = await startMlaasUp(dir, 'state');
    expect(oldPids.filter(isAlive)).toEqual([]);
    const after = JSON.parse(await up.cliOk(['revisions', 'echo', '-o', 'json'])) as Array<{ name: string; state: string; percent: number }>;
    const was = JSON.parse(before) as Array<{ name: string; state: string; percent: number }>;
    expect(after.map((r) => [r.name, r.percent, r.state])).toEqual(was.map((r) => [r.name, r.percent, r.state]));
    expect(await versions(20)).toEqual({ v1: 20 });
  }, 120_000);
});

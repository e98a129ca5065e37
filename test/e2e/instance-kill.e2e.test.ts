/**
 * Black-box: an instance killed with kill -9 under a 4-connection POST load
 * costs no request its answer. With two instances every request succeeds;
 * with one, the requests wait at the gateway for the replacement the
 * supervisor starts and succeed within the route's deadline. The load
 * generator counts requests that got no answer at all, which wrk and
 * autocannon do not.
 *
 * What is honest to expect of the requests that were inside the instance when
 * it died: the gateway cannot know how far they got, but instances keep no
 * state between requests (the service contract), so it sends each of them once
 * more, to the other instance or the replacement. A request that failed again
 * would get a 502 problem+json and show up below in `failures`; none should,
 * since nothing is wrong with the replacement.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnswerCountingLoad, type LoadReport } from './answer-counting-load.js';
import { isAlive, startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

const DEADLINE_S = 10;

let dir: string;
let up: MlaasUp;

interface Status {
  services: Array<{ service: string; ready: number; instances: Array<{ id: string; pid?: number; state: string; restarts: number }> }>;
}

async function status(): Promise<Status> {
  return JSON.parse(await up.cliOk(['status', '-o', 'json'])) as Status;
}

async function instancesOf(service: string): Promise<Status['services'][number]> {
  const found = (await status()).services.find((s) => s.service === service);
  if (found === undefined) throw new Error(`mlaas status shows no service ${service}`);
  return found;
}

/** Runs the load and kill -9s one ready instance of `service` once 200 requests were answered. */
async function loadWhileKilling(service: string): Promise<{ report: LoadReport; killedPid: number }> {
  const before = await instancesOf(service);
  const pid = before.instances.find((i) => i.state === 'ready')?.pid;
  if (pid === undefined) throw new Error(`no ready instance of ${service}: ${JSON.stringify(before)}`);
  let killed = false;
  const report = await runAnswerCountingLoad({
    url: `${up.gatewayUrl}/v1/${service}`,
    headers: { 'x-api-key': up.demoKey },
    body: '{"text":"kill test"}',
    connections: 4,
    maxRequests: 3_000,
    durationMs: 20_000,
    answerWithinMs: (DEADLINE_S + 5) * 1000,
    onAnswer: (done) => {
      if (done < 200 || killed) return;
      killed = true;
      process.kill(pid, 'SIGKILL');
    },
  });
  expect(killed).toBe(true);
  return { report, killedPid: pid };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-kill-'));
  // A few milliseconds of work per request, so that some are inside the instance when it dies.
  writeNodeService(
    path.join(dir, 'worker'),
    `  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => setTimeout(() => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ got: Buffer.concat(chunks).length, pid: process.pid }));
  }, 3));`,
  );
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    postRoutesDocument([
      { path: '/v1/pair', address: 'mlaas://pair/work', deadline: DEADLINE_S },
      { path: '/v1/solo', address: 'mlaas://solo/work', deadline: DEADLINE_S },
    ]),
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  pair:
    source: worker
    command: [node, server.mjs]
    scaling: { minInstances: 2, initialInstances: 2 }
  solo:
    source: worker
    command: [node, server.mjs]
    scaling: { minInstances: 1, maxInstances: 1 }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
  await waitUntil('two ready instances of pair', () => instancesOf('pair'), (s) => s.ready === 2, 60_000);
}, 120_000);

afterAll(async () => {
  await up?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 of an instance under a 4-connection POST load', () => {
  it('with two instances: every request is answered and none fails', async () => {
    const { report, killedPid } = await loadWhileKilling('pair');
    expect(report.noAnswerReasons).toEqual([]);
    expect(report.noAnswer).toBe(0);
    expect(report.truncated).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.byStatus['200']).toBe(report.sent);
    expect(isAlive(killedPid)).toBe(false);
    // The supervisor replaced it.
    await waitUntil('the killed instance to be replaced', () => instancesOf('pair'), (s) => s.ready === 2, 30_000);
  }, 60_000);

  it('with one instance: requests wait for the replacement and succeed within the deadline', async () => {
    const { report, killedPid } = await loadWhileKilling('solo');
    expect(report.noAnswerReasons).toEqual([]);
    expect(report.noAnswer).toBe(0);
    expect(report.truncated).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.byStatus['200']).toBe(report.sent);
    expect(report.maxLatencyMs).toBeLessThan(DEADLINE_S * 1000);
    // The supervisor waits at least 200 ms before its first restart: the requests meanwhile were held, not failed.
    expect(report.maxLatencyMs).toBeGreaterThanOrEqual(200);
    const solo = await instancesOf('solo');
    expect(solo.instances).toHaveLength(1);
    expect(solo.instances[0]?.restarts).toBe(1);
    expect(solo.instances[0]?.pid).not.toBe(killedPid);
  }, 60_000);
});

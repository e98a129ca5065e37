/**
 * Black-box: the demo that `npm start` runs — the repository's mlaas.yaml and
 * api-gateway.yaml, with the spam-filter service and the no-code ONNX server —
 * with `gateway.workers: 2`, through the real binary on loopback. A bounded
 * load on the demo's two routes with the demo key is answered 200 every time,
 * by both workers; the spam filter scales out on that load, which only the
 * workers see (the primary's autoscaler scales on the sum of their reports); a
 * key limited to 600 per minute gets 600 of 1,000 requests spread over both
 * workers (the acceptance allows ± 5%; one limiter in the primary makes it
 * exact) and 429 for the rest. What needs a service of the test's own
 * (`kill -9` of a worker, drains) is in gateway-workers.e2e.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurize } from '../../examples/spam-filter/tokenize.js';
import { runAnswerCountingLoad, type LoadOptions, type LoadReport } from './answer-counting-load.js';
import { copyDemo } from './demo-copy.js';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { ensureSpamModel, HAM_TEXT, SPAM_TEXT } from './spam-model.js';

interface WorkerStatus {
  slot: number;
  pid: number;
  requests: number;
}

interface Status {
  services: Array<{ key: string; ready: number }>;
  gatewayWorkers?: WorkerStatus[];
}

const SPAM_CALLERS = 12;
const INFER_CALLERS = 2;
const MIN_ANSWERS = 500;
// A long message (47 KB): tokenizing it outweighs what the gateways and the client do per request, so the callers'
// requests wait at the spam filter, in flight for the autoscaler, more than on the CPU they all share.
const PREDICT = { route: '/v1/spam-filter/predict', body: JSON.stringify({ text: Array.from({ length: 250 }, () => SPAM_TEXT).join(' ') }) };
const HAM_INDICES = featurize(HAM_TEXT);
const INFER = {
  route: '/v2/models/spam/infer',
  body: JSON.stringify({ inputs: [{ name: 'indices', shape: [1, HAM_INDICES.length], datatype: 'INT64', data: HAM_INDICES }] }),
};

let dir: string;
let up: MlaasUp;
let admin: { url: string; token: string };

/** What `mlaas status -o json` prints, from the admin API itself: polling it must not take the CPU a CLI process would from the platform. */
async function status(): Promise<Status> {
  const res = await fetch(`${admin.url}/v1/status`, { headers: { authorization: `Bearer ${admin.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

async function workers(): Promise<WorkerStatus[]> {
  return (await status()).gatewayWorkers ?? [];
}

function load(call: { route: string; body: string }, o: Partial<LoadOptions> & Pick<LoadOptions, 'connections' | 'maxRequests'>): Promise<LoadReport> {
  return runAnswerCountingLoad({ url: `${up.gatewayUrl}${call.route}`, headers: { 'x-api-key': up.demoKey }, body: call.body, durationMs: 40_000, answerWithinMs: 10_000, ...o });
}

/** Waits until the workers' reports add up to `served` requests since `before`; answers each worker's share. */
async function servedSince(before: readonly WorkerStatus[], served: number): Promise<number[]> {
  const after = await waitUntil('the workers’ reports', workers, (ws) => ws.reduce((sum, w, i) => sum + w.requests - (before[i]?.requests ?? 0), 0) === served, 5_000);
  return after.map((w, i) => w.requests - (before[i]?.requests ?? 0));
}

beforeAll(async () => {
  ensureSpamModel();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-workers-demo-'));
  const stateDir = copyDemo(dir, (doc) => {
    doc.setIn(['gateway', 'workers'], 2);
    // 5 in flight per instance: on 2 busy cores about 8 of the 12 callers' requests are at the spam filter at a time,
    // of which one worker holds about half, so it scales out on what both workers report, and not on one worker's
    // share alone. A 6 s window decides within seconds; maxInstances 2 keeps it to one cold start.
    doc.setIn(['services', 'spam-filter', 'scaling'], doc.createNode({ minInstances: 1, maxInstances: 2, target: 5, utilization: 100, stableWindow: '6s' }));
  });
  up = await startMlaasUp(dir, stateDir);
  const state = path.join(dir, stateDir);
  admin = {
    url: (JSON.parse(readFileSync(path.join(state, 'endpoint.json'), 'utf8')) as { adminUrl: string }).adminUrl,
    token: readFileSync(path.join(state, 'admin-token'), 'utf8').trim(),
  };
}, 120_000);

afterAll(async () => {
  // SIGTERM, not SIGKILL: a killed platform leaves its instances running, since nothing would stop them.
  await up?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the demo with gateway.workers: 2', () => {
  it('answers a bounded load on both of its routes 200 every time, over both workers, and scales the spam filter out on the load of both', async () => {
    expect(up.output().stdout).toMatch(/gateway\s+http:\/\/127\.0\.0\.1:\d+\s+\(2 worker processes\)/);
    const before = await workers();
    expect(before.map((w) => w.slot)).toEqual([1, 2]);
    expect(new Set(before.map((w) => w.pid)).size).toBe(2);
    expect(before.map((w) => w.pid)).not.toContain(up.child.pid);
    let peak = 0;
    let loading = true;
    const watcher = (async () => {
      while (loading && peak < 2) {
        peak = Math.max(peak, (await status()).services.find((s) => s.key === 'spam-filter-00001')?.ready ?? 0);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    // Until the scale-out, and at least MIN_ANSWERS on each route.
    const answered = [0, 0];
    const until = (): boolean => peak >= 2 && answered.every((n) => n >= MIN_ANSWERS);
    const [spam, infer] = await Promise.all([
      load(PREDICT, { connections: SPAM_CALLERS, maxRequests: 20_000, until, onAnswer: (n) => (answered[0] = n) }),
      load(INFER, { connections: INFER_CALLERS, maxRequests: 20_000, until, onAnswer: (n) => (answered[1] = n) }),
    ]);
    loading = false;
    await watcher;
    for (const report of [spam, infer]) {
      expect({ noAnswer: report.noAnswer, truncated: report.truncated, failures: report.failures }).toEqual({ noAnswer: 0, truncated: 0, failures: [] });
      expect(report.byStatus).toEqual({ 200: report.sent });
    }
    expect(Math.min(spam.sent, infer.sent)).toBeGreaterThanOrEqual(MIN_ANSWERS);
    expect(peak).toBe(2);
    // Both took a good part of the spam filter's load, spread over its 12 connections (the fast inference requests
    // go over 2 connections, which may both be one worker's).
    for (const share of await servedSince(before, spam.sent + infer.sent)) expect(share).toBeGreaterThan(spam.sent * 0.2);
  }, 90_000);

  it('lets exactly 600 of 1,000 requests of a key limited to 600 per minute through, across both workers, and answers 429 to the rest', async () => {
    const limitedKey = (await up.cliOk(['keys', 'create', '--tenant', 'acme', '--rpm', '600'])).trim();
    expect(limitedKey).toMatch(/^mlk_/);
    const before = await workers();
    const report = await load(INFER, { connections: 8, maxRequests: 1_000, headers: { 'x-api-key': limitedKey } });
    expect(report.sent).toBe(1_000);
    expect(report.byStatus).toEqual({ 200: 600, 429: 400 });
    expect(new Set(report.failures.map((f) => f.code))).toEqual(new Set(['GW_QUOTA_EXCEEDED']));
    for (const share of await servedSince(before, 600)) expect(share).toBeGreaterThan(0);
  }, 60_000);
});

/**
 * Black-box: Knative's revision settings through the real binary, with the
 * values coming from `${VAR}` references in mlaas.yaml. A revision's
 * timeoutSeconds cuts a slow answer off with 504 well inside the route's
 * deadline; a revision scaled on requests per second shows the gateway's
 * request rate in `mlaas status`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-knative-'));
  writeNodeService(path.join(dir, 'slow'), `  req.resume();\n  req.on('end', () => setTimeout(() => res.end('{"late":true}'), 4000));`);
  writeNodeService(path.join(dir, 'quick'), `  req.resume();\n  req.on('end', () => res.end('{"ok":true}'));`);
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    postRoutesDocument([
      { path: '/v1/slow', address: 'mlaas://slow/', deadline: 30 },
      { path: '/v1/quick', address: 'mlaas://quick/' },
    ]),
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  slow:
    source: slow
    command: [node, server.mjs]
    timeoutSeconds: \${SLOW_TIMEOUT}
    drainTimeoutSeconds: 1
  quick:
    source: quick
    command: [node, server.mjs]
    drainTimeoutSeconds: 1
    scaling:
      metric: \${QUICK_METRIC:-concurrency}
      minInstances: 1
      target: 1000
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state', 120_000, { SLOW_TIMEOUT: '1', QUICK_METRIC: 'rps' });
}, 150_000);

afterAll(async () => {
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(route: string): Promise<{ status: number; code?: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${up.gatewayUrl}${route}`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, code: body.code, ms: Date.now() - started };
}

interface ScaleEntry {
  key: string;
  metric: string;
  stableAverage: number;
}

describe('Knative revision settings', () => {
  it('timeoutSeconds: ${SLOW_TIMEOUT} = 1 answers 504 GW_DEADLINE_EXCEEDED long before the 30 s route deadline and the 4 s answer', async () => {
    const r = await post('/v1/slow');
    expect(r).toMatchObject({ status: 504, code: 'GW_DEADLINE_EXCEEDED' });
    expect(r.ms).toBeLessThan(3_500);
  });

  it('metric: rps scales on the request rate the gateway counts', async () => {
    // 5 requests every 100 ms for 3 s: about 50 per second, none of them long in flight.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const answers = await Promise.all(Array.from({ length: 5 }, () => post('/v1/quick')));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const quick = await waitUntil(
      'the autoscaler sees the request rate',
      async () => {
        const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { autoscaler: ScaleEntry[] };
        return status.autoscaler.find((a) => a.key.startsWith('quick-'));
      },
      (entry) => entry !== undefined && entry.stableAverage > 5,
      10_000,
    );
    expect(quick?.metric).toBe('rps');
  });
});

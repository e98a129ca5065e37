/**
 * Black-box: a crashed instance is replaced; an instance that keeps failing
 * is restarted with growing pauses and its revision is marked failed with the
 * reason (`mlaas revisions`), then ready again once it starts cleanly.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;
let marker: string;

interface Revision {
  name: string;
  state: string;
  reason?: string;
  percent: number;
}

async function revision(): Promise<Revision | undefined> {
  const r = await up.cli(['revisions', 'fragile', '-o', 'json']);
  return (JSON.parse(r.stdout) as Revision[])[0];
}

async function call(pathname: string): Promise<number> {
  const res = await fetch(`${up.gatewayUrl}${pathname}`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-crash-'));
  // The instance runs as its own user (nobody, when the tests run as root): the marker lives where it may write.
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'markers'), { mode: 0o777 });
  chmodSync(path.join(dir, 'markers'), 0o777);
  marker = path.join(dir, 'markers', 'broken');
  writeNodeService(
    path.join(dir, 'fragile'),
    `  if (req.url === '/crash') { fs.writeFileSync(marker, 'x'); res.end('bye'); setTimeout(() => process.exit(1), 10); return; }
  res.end('ok');`,
    `import fs from 'node:fs';
const marker = ${JSON.stringify(marker)};
// Once broken, every start fails at once: a crash loop until the marker goes.
if (fs.existsSync(marker)) { console.error('broken configuration'); process.exit(2); }`,
  );
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    postRoutesDocument([
      { path: '/v1/work', address: 'mlaas://fragile/work', deadline: 5 },
      { path: '/v1/crash', address: 'mlaas://fragile/crash' },
    ]),
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  fragile:
    source: fragile
    command: [node, server.mjs]
    scaling: { minInstances: 1 }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
}, 120_000);

afterAll(async () => {
  await up.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('crash handling', () => {
  it('marks a crash-looping revision failed with the reason, and ready again once it starts cleanly', async () => {
    expect(await call('/v1/work')).toBe(200);
    expect(await call('/v1/crash')).toBe(200);
    const failed = await waitUntil('the crash loop to be recorded', revision, (r) => r?.state === 'failed', 30_000);
    expect(failed?.reason).toMatch(/^crash loop: .*exited with code 2.*times in a row/);
    // Marking it failed does not move its traffic: the listing shows what the gateway still routes.
    expect(failed?.percent).toBe(100);

    const status = JSON.parse((await up.cli(['status', '-o', 'json'])).stdout) as {
      services: Array<{ instances: Array<{ restarts: number; restartAt?: number }> }>;
    };
    expect(status.services[0]?.instances[0]?.restarts).toBeGreaterThanOrEqual(2);

    unlinkSync(marker);
    await waitUntil('recovery', revision, (r) => r?.state === 'ready', 60_000);
    expect(existsSync(marker)).toBe(false);
    expect(await call('/v1/work')).toBe(200);
  }, 120_000);
});

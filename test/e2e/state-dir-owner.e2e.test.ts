/**
 * Black-box: one `mlaas up` per state directory, and a restart that holds
 * requests instead of refusing them. A second `up` on a live state dir is
 * refused, naming the first, and leaves its instances alone; after a
 * kill -9 the next `up` takes the stale lock over, reaps the orphans, and
 * every request sent while it starts gets its answer from the service.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/runtime/free-port.js';
import { BIN, isAlive, startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let first: MlaasUp;
let second: MlaasUp | undefined;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-owner-'));
  // Slow to start, so that a restart has a window in which the instance is not ready yet.
  writeNodeService(path.join(dir, 'echo'), `  res.end('echo ' + process.pid);`, `await new Promise((r) => setTimeout(r, 1500));`);
  writeFileSync(path.join(dir, 'api.yaml'), postRoutesDocument([{ path: '/echo', address: 'mlaas://echo/echo', deadline: 20 }]));
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
  port = await freePort();
  first = await startMlaasUp(dir, '.state', 120_000, {}, port);
}, 150_000);

afterAll(async () => {
  await second?.stop();
  await first?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function runUp(): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'up', '-f', 'mlaas.yaml', '--port', '0', '--admin-port', '0'], { cwd: dir, timeout: 30_000 }, (err, _out, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr });
    });
  });
}

async function instancePids(up: MlaasUp): Promise<number[]> {
  const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: Array<{ instances: Array<{ pid?: number; state: string }> }> };
  return status.services.flatMap((s) => s.instances.filter((i) => i.state === 'ready').map((i) => i.pid as number));
}

function call(timeoutMs = 25_000): Promise<number | 'refused'> {
  return fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { 'x-api-key': first.demoKey }, signal: AbortSignal.timeout(timeoutMs) }).then(
    (res) => res.status,
    (err: unknown) => {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') return 'refused';
      throw err;
    },
  );
}

describe('one mlaas per state directory', () => {
  it('refuses a second `up` on a live state dir, naming the first one, and touches none of its instances', async () => {
    const before = await instancePids(first);
    expect(before).toHaveLength(1);
    const { code, stderr } = await runUp();
    expect(code).not.toBe(0);
    expect(stderr).toContain(`pid ${first.child.pid}`);
    expect(stderr).toContain(first.gatewayUrl);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(before.every(isAlive)).toBe(true);
    expect(await instancePids(first)).toEqual(before);
    expect(await call()).toBe(200);
  });

  it('takes over the lock of a killed platform, reaps its orphans, and holds the requests sent while it starts', async () => {
    const orphans = await instancePids(first);
    await first.stop('SIGKILL');
    expect(orphans.every(isAlive)).toBe(true);
    const { pid: deadPid } = JSON.parse(readFileSync(path.join(dir, '.state', 'lock'), 'utf8')) as { pid: number };
    expect(deadPid).toBe(first.child.pid);

    const starting = startMlaasUp(dir, '.state', 120_000, {}, port);
    // Callers keep calling through the restart; once the port accepts again, each call must get the service's answer.
    const answers: Array<number | 'refused'> = [];
    let started = false;
    void starting.then(() => (started = true), () => (started = true));
    const callers = Array.from({ length: 4 }, async () => {
      const until = Date.now() + 60_000;
      while (!started && Date.now() < until) {
        answers.push(await call());
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    second = await starting;
    await Promise.all(callers);
    const answered = answers.filter((a) => a !== 'refused');
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((a) => a !== 200)).toEqual([]);

    await waitUntil('the orphans to be gone', async () => orphans.filter(isAlive), (alive) => alive.length === 0, 5_000);
    expect(await call()).toBe(200);
  }, 90_000);
});

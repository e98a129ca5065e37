// Runs a tiny SDK service as a real child process, the way the runtime does:
// PORT from the environment, readiness on /healthz, SIGTERM drains and exits 0.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
let dir: string;

const FIXTURE = `
import { z } from 'zod';
import { service, route, modelPath } from './dist/src/sdk/index.js';
let release;
const released = new Promise((resolve) => (release = resolve));
const app = service({
  name: 'fixture',
  routes: [
    route({ method: 'POST', path: '/slow', body: z.object({ n: z.number() }),
            handler: async ({ body }) => { release(); await new Promise((r) => setTimeout(r, 300)); return { n: body.n * 2 }; } }),
    route({ method: 'GET', path: '/model', handler: () => ({ path: modelPath('classifier') }) }),
    route({ method: 'GET', path: '/boom', handler: () => { throw new Error('kaboom'); } }),
  ],
});
await app.listen();
await released;
process.stdout.write('in-flight\\n');
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
  // The SDK is TypeScript; compile just it (and the error registry) for plain node.
  await promisify(execFile)(process.execPath, [
    path.join(repo, 'node_modules/typescript/bin/tsc'),
    '--outDir', path.join(dir, 'dist'),
    '--rootDir', repo,
    '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext',
    '--target', 'ES2022',
    '--skipLibCheck',
    '--types', 'node',
    path.join(repo, 'src/sdk/index.ts'),
  ]);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'fixture.mjs'), FIXTURE);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('a service as a child process', () => {
  it('listens on $PORT, logs handler failures as JSON lines, and on SIGTERM finishes the in-flight request and exits 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['fixture.mjs'], {
      cwd: dir,
      env: { ...process.env, PORT: String(port), MLAAS_MODEL_CLASSIFIER: '/models/spam.onnx' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = exitOf(child);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor('/healthz 200', () => fetch(`${url}/healthz`).then((r) => r.status === 200, () => false));
      expect(await (await fetch(`${url}/model`)).json()).toEqual({ path: '/models/spam.onnx' });
      expect((await fetch(`${url}/boom`, { headers: { 'x-request-id': 'r-9' } })).status).toBe(500);

      const inFlight = fetch(`${url}/slow`, { method: 'POST', body: JSON.stringify({ n: 21 }) });
      await waitFor('the request to reach its handler', () => stdout.includes('in-flight'));
      child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ n: 42 });
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l['msg'] === 'handler failed')).toMatchObject({ requestId: 'r-9', level: 50, time: expect.any(Number), pid: child.pid });
    expect(lines.some((l) => l['msg'] === 'SIGTERM: draining')).toBe(true);
  });
});

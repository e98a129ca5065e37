// Deploys the FastAPI example as the platform does: packed and built into a python artifact (a venv that sees
// Debian's python3-fastapi and python3-uvicorn), then run as a child process on 127.0.0.1:$PORT with the
// gateway's headers on every request.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore, packSource, type BuiltArtifact } from '../../src/artifacts/index.js';

const repo = path.resolve(import.meta.dirname, '../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
let artifact: BuiltArtifact;
let child: ChildProcess;
let exited: Promise<number | null>;
let url: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

async function waitForHealthy(base: string, deadline: number): Promise<void> {
  for (let attempt = 0; Date.now() < deadline && attempt < 200; attempt++) {
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('fastapi-sentiment did not answer /healthz in time');
}

function predict(text: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ text }),
  });
}

const config = (settings: object) => Buffer.from(JSON.stringify(settings)).toString('base64url');

beforeAll(async () => {
  const store = new ArtifactStore({ dir: path.join(root, 'artifacts'), cacheDir: path.join(root, 'cache'), platformRoot: repo });
  const packed = await packSource(path.join(repo, 'examples/fastapi-sentiment'));
  artifact = await store.build((await store.put(packed.bytes)).digest);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn('python', ['serve.py'], {
    cwd: artifact.dir,
    env: { ...process.env, ...artifact.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await waitForHealthy(url, Date.now() + 20_000);
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

describe('examples/fastapi-sentiment as a deployed python artifact', () => {
  it('is built as a python artifact without the test files', () => {
    expect(artifact.kind).toBe('python');
    expect(fs.existsSync(path.join(artifact.dir, 'main.py'))).toBe(true);
    expect(fs.readdirSync(artifact.dir).filter((f) => f.endsWith('.test.ts'))).toEqual([]);
  });

  it('labels texts and echoes the tenant the gateway names', async () => {
    const headers = { 'x-mlaas-tenant': 'acme', 'x-request-id': 'req-1', 'x-mlaas-config': config({}) };
    const cases = [
      ['I really love this, the support was excellent', 'positive'],
      ['This is not good, terrible and slow', 'negative'],
      ['The invoice is attached', 'neutral'],
    ] as const;
    for (const [text, label] of cases) {
      const res = await predict(text, headers);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { label: string; score: number; tenant: string };
      expect(body).toMatchObject({ label, tenant: 'acme' });
      expect(Math.abs(body.score)).toBeLessThan(1);
    }
  });

  it("applies the tenant's neutralBand from x-mlaas-config", async () => {
    const text = 'good';
    const normal = (await (await predict(text, { 'x-mlaas-tenant': 'a' })).json()) as { label: string };
    const wide = await predict(text, { 'x-mlaas-tenant': 'b', 'x-mlaas-config': config({ neutralBand: 0.9 }) });
    expect(normal.label).toBe('positive');
    expect(await wide.json()).toMatchObject({ label: 'neutral', tenant: 'b' });
    const garbled = await predict(text, { 'x-mlaas-config': '%%%not-base64' });
    expect(await garbled.json()).toMatchObject({ label: 'positive', tenant: null });
  });

  it('answers an invalid body with problem+json naming the field and the request id', async () => {
    const res = await predict('', { 'x-request-id': 'req-42' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      code: 'SDK_BODY_INVALID',
      requestId: 'req-42',
      errors: [{ path: 'text', message: expect.any(String) }],
    });
  });

  it('listens on MLAAS_LISTEN_HOST instead of 127.0.0.1 when set, as the exported image does', async () => {
    const port = await freePort();
    const other = spawn('python', ['serve.py'], {
      cwd: artifact.dir,
      env: { ...process.env, ...artifact.env, PORT: String(port), MLAAS_LISTEN_HOST: '127.0.0.2' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    try {
      await waitForHealthy(`http://127.0.0.2:${port}`, Date.now() + 20_000);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('exits cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

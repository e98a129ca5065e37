// Runs the spam-filter service as the runtime would: a child process with
// PORT and MLAAS_MODEL_CLASSIFIER, serving a model trained on the full corpus.
// It runs the build's dist/ (npm test builds before vitest), whose `mlaas/sdk`
// import resolves by the package's self-reference, as it does in the built package.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLogisticModel } from './onnx-model.js';
import { trainSpamFilter } from './train-spam-filter.js';

const SPAM_SAMPLE = 'WIN a FREE prize! Click here to claim your CASH now!!! Limited time offer, act now.';
const HAM_SAMPLE =
  'Hi Sam, can we move the code review to Thursday at 3pm? I pushed the fixes for the parser tests last night.';

const SERVER = path.resolve(import.meta.dirname, '../../dist/examples/spam-filter/server.js');
let dir: string;
let child: ChildProcess;
let url: string;
let exited: Promise<number | null>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

async function predict(text: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
  const modelFile = path.join(dir, 'spam.onnx');
  const { model } = trainSpamFilter();
  fs.writeFileSync(modelFile, buildLogisticModel(model));
  if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [SERVER], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), MLAAS_MODEL_CLASSIFIER: modelFile },
    stdio: 'ignore',
  });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the spam-filter service never became ready');
});

afterAll(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('spam-filter service', () => {
  it('labels a classic spam message spam and a work message ham', async () => {
    const spam = await predict(SPAM_SAMPLE);
    expect(spam.status).toBe(200);
    expect(spam.body['label']).toBe('spam');
    expect(spam.body['spam_probability']).toBeGreaterThan(0.9);

    const ham = await predict(HAM_SAMPLE);
    expect(ham.body['label']).toBe('ham');
    expect(ham.body['spam_probability']).toBeLessThan(0.1);
  });

  it('answers 400 with the field path for an empty or non-string text', async () => {
    const empty = await predict('');
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'SDK_BODY_INVALID', errors: [{ path: 'text' }] });
    expect((await predict(12)).status).toBe(400);
  });

  it('lets a tenant move the threshold through its config', async () => {
    const config = Buffer.from(JSON.stringify({ spamThreshold: 1e-9 })).toString('base64url');
    const res = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlaas-config': config },
      body: JSON.stringify({ text: HAM_SAMPLE }),
    });
    expect(((await res.json()) as Record<string, unknown>)['label']).toBe('spam');
  });

  it('exits 0 on SIGTERM', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

// Deploys the spam-filter from its source directory as `mlaas deploy` does: packed (without the model, tests and
// training code), built into a node artifact (npm ci of onnxruntime-node once, then its esbuild build script),
// and run as an instance. A code-only change must rebuild without reinstalling. Needs the built package (dist/)
// for `mlaas/sdk`, as `npm test` provides.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore, packSource, type BuiltArtifact } from '../../src/artifacts/index.js';
import { esmPackageEntry } from '../../src/runtime/esm-package-entry.js';
import { nodePoolLaunchOf } from '../../src/runtime/node-pool-launch.js';
import { predictProbability } from './logistic-regression.js';
import { buildLogisticModel } from './onnx-model.js';
import { featurize, HASH_BUCKETS } from './tokenize.js';

const repo = path.resolve(import.meta.dirname, '../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
const store = new ArtifactStore({ dir: path.join(root, 'artifacts'), cacheDir: path.join(root, 'cache'), platformRoot: repo });
const SPAM = 'claim your free prize now';
const weights = new Float32Array(HASH_BUCKETS);
for (const bucket of featurize(SPAM)) weights[bucket] = 1.5;
const model = { weights, bias: -2 };
const modelFile = path.join(root, 'spam.onnx');

let artifact: BuiltArtifact;
let firstBuildMs: number;
const firstSteps: string[] = [];

async function deploy(sourceDir: string, steps: string[]): Promise<{ artifact: BuiltArtifact; ms: number }> {
  const started = performance.now();
  const { bytes } = await packSource(sourceDir);
  const { digest } = await store.put(bytes);
  const built = await store.build(digest, { onProgress: (step, detail) => steps.push(`${step} ${detail ?? ''}`) });
  return { artifact: built, ms: performance.now() - started };
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

async function startInstance(built: BuiltArtifact): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn('node', ['dist/server.js'], {
    cwd: built.dir,
    env: { ...process.env, ...built.env, PORT: String(port), MLAAS_MODEL_CLASSIFIER: modelFile },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 150; attempt++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('spam-filter instance did not become ready');
}

beforeAll(async () => {
  fs.writeFileSync(modelFile, buildLogisticModel(model));
  const first = await deploy(path.join(repo, 'examples/spam-filter'), firstSteps);
  artifact = first.artifact;
  firstBuildMs = first.ms;
}, 300_000);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('examples/spam-filter deployed from source', () => {
  it('installs its dependencies and builds dist/server.js, leaving the model, tests and training code out', () => {
    expect(artifact.kind).toBe('node');
    expect(firstSteps.some((s) => s.startsWith('dependencies npm ci'))).toBe(true);
    const files = fs.readdirSync(artifact.dir);
    expect(files).toContain('package.json');
    expect(fs.existsSync(path.join(artifact.dir, 'dist/server.js'))).toBe(true);
    expect(files.filter((f) => f === 'model' || f.endsWith('.test.ts') || f.startsWith('train'))).toEqual([]);
  });

  it('leaves zod to the artifact\'s node_modules: one copy for the service and its SDK, the one a pooled runtime has loaded', () => {
    const server = path.join(artifact.dir, 'dist/server.js');
    const bundle = fs.readFileSync(server, 'utf8');
    expect([...bundle.matchAll(/\bfrom ?["']([^"']+)["']/g)].map((m) => m[1])).toContain('zod');
    // One of zod's own messages: its code is not in the bundle.
    expect(bundle.includes('Encountered Promise during synchronous parse')).toBe(false);
    const zod = esmPackageEntry('zod', fs.realpathSync(server));
    expect(zod).toBeDefined();
    expect(nodePoolLaunchOf(['node', 'dist/server.js'], artifact.dir, { PATH: process.env['PATH'] ?? '' })?.preloads).toContain(zod);
  });

  it('serves /predict from the artifact with the model the runtime hands over, and drains on SIGTERM', async () => {
    const { child, url } = await startInstance(artifact);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const ask = async (text: string) =>
        (await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        }).then((r) => r.json())) as { spam_probability: number; label: string };
      const spam = await ask(SPAM);
      expect(spam.label).toBe('spam');
      expect(spam.spam_probability).toBeCloseTo(predictProbability(model, featurize(SPAM)), 5);
      expect(await ask('lunch on thursday?')).toMatchObject({ label: 'ham' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('rebuilds a code-only change without running npm ci, in a fraction of the first build', async () => {
    const copy = path.join(root, 'changed-source');
    fs.cpSync(path.join(repo, 'examples/spam-filter'), copy, {
      recursive: true,
      filter: (file) => path.basename(file) !== 'model',
    });
    const server = path.join(copy, 'server.ts');
    fs.writeFileSync(server, fs.readFileSync(server, 'utf8').replace("version: '1.0.0'", "version: '1.0.1'"));

    const steps: string[] = [];
    const second = await deploy(copy, steps);
    expect(second.artifact.digest).not.toBe(artifact.digest);
    expect(steps.some((s) => s.includes('npm ci'))).toBe(false);
    expect(steps.some((s) => s.startsWith('dependencies reusing node-'))).toBe(true);
    expect(fs.readFileSync(path.join(second.artifact.dir, 'dist/server.js'), 'utf8')).toMatch(/version: ?["']1\.0\.1["']/);
    expect(second.ms).toBeLessThan(firstBuildMs / 4);
  });
});

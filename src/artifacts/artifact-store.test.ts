import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from './artifact-store.js';
import type { BuildStep } from './build-progress.js';
import { packSource } from './pack-source.js';

const repo = path.resolve(import.meta.dirname, '../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function newStore(): ArtifactStore {
  const state = fs.mkdtempSync(path.join(root, 'state-'));
  return new ArtifactStore({ dir: path.join(state, 'artifacts'), cacheDir: path.join(state, 'cache'), platformRoot: repo });
}

function source(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

async function stored(store: ArtifactStore, dir: string): Promise<string> {
  const { bytes, digest } = await packSource(dir);
  expect((await store.put(bytes)).digest).toBe(digest);
  return digest;
}

/** A package with no dependencies and a build script: npm ci has nothing to fetch, so no network. */
function nodeService(code: string): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'svc', version: '1.0.0', type: 'module', scripts: { build: 'node build.mjs' } }),
    'package-lock.json': JSON.stringify({
      name: 'svc',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'svc', version: '1.0.0' } },
    }),
    'build.mjs': "import fs from 'node:fs'; fs.mkdirSync('dist', { recursive: true }); fs.copyFileSync('server.js', 'dist/server.js');",
    'server.js': code,
  };
}

describe('ArtifactStore.put', () => {
  it('stores an archive once under its digest and refuses bytes that do not match the expected digest', async () => {
    const store = newStore();
    const { bytes, digest } = await packSource(source({ 'a.txt': 'a' }));
    expect(await store.put(bytes, digest)).toEqual({ digest });
    expect(await store.put(bytes)).toEqual({ digest });
    expect(fs.readdirSync(store.dir).filter((f) => f.endsWith('.tar.gz'))).toHaveLength(1);
    const other = `sha256:${'0'.repeat(64)}`;
    await expect(store.put(bytes, other)).rejects.toMatchObject({ code: 'ARTIFACT_INVALID' });
    await expect(store.put(Buffer.from('plain text'))).rejects.toMatchObject({ code: 'ARTIFACT_INVALID' });
    await expect(store.build(other)).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
    await expect(store.build('sha256:nothex')).rejects.toMatchObject({ code: 'ARTIFACT_INVALID' });
  });
});

describe('ArtifactStore.build', () => {
  it('unpacks a plain source into <dir>/<hex>-<platform>/ and answers a second build, also of a new store, from its record', async () => {
    const store = newStore();
    const digest = await stored(store, source({ 'run.sh': 'echo hi\n', 'data/x.txt': 'x' }));
    const artifact = await store.build(digest);
    expect(artifact).toEqual({ digest, dir: expect.stringMatching(new RegExp(`^${store.dir}/${digest.slice(7)}-[0-9a-f]{8}$`)), kind: 'plain', env: {} });
    expect(fs.readFileSync(path.join(artifact.dir, 'data/x.txt'), 'utf8')).toBe('x');

    const steps: BuildStep[] = [];
    const again = new ArtifactStore({ dir: store.dir, cacheDir: store.cacheDir, platformRoot: repo });
    expect(await again.build(digest, { onProgress: (step) => steps.push(step) })).toEqual(artifact);
    expect(steps).toEqual([]);
  });

  it('builds a node source: runs its build script and lets it import mlaas/sdk from the platform', async () => {
    const store = newStore();
    const digest = await stored(store, source(nodeService("import('mlaas/sdk').then((m) => console.log(typeof m.service));")));
    const steps: string[] = [];
    const artifact = await store.build(digest, { onProgress: (step, detail) => steps.push(`${step} ${detail ?? ''}`) });
    expect(artifact.kind).toBe('node');
    expect(steps).toContain('build node build.mjs');
    expect(artifact.env['PATH']?.startsWith(path.join(artifact.dir, 'node_modules/.bin'))).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/server.js'], { cwd: artifact.dir });
    expect(stdout.trim()).toBe('function');
  });

  it("names the Linux packages of apt.txt in the build's progress and refuses a line that is not a package name", async () => {
    const store = newStore();
    const good = await stored(store, source({ 'run.sh': 'echo hi\n', 'apt.txt': '# OCR\ntesseract-ocr\n\nlibgl1 # for cv2\n' }));
    const details: string[] = [];
    expect((await store.build(good, { onProgress: (_step, detail) => details.push(detail ?? '') })).kind).toBe('plain');
    expect(details).toContain('apt.txt: tesseract-ocr libgl1 (installed by exported images; here the host provides them)');

    const bad = await stored(store, source({ 'run.sh': 'echo hi\n', 'apt.txt': 'curl\ncurl; rm -rf /\n' }));
    const err = await store.build(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ARTIFACT_INVALID' });
    expect((err as Error).message).toBe('apt.txt:2: expected one Debian package name per line, got "curl; rm -rf /"');
  });

  it('reuses the dependency layer for a code-only change, also when both builds run at once', async () => {
    const store = newStore();
    const first = await stored(store, source(nodeService('console.log(1);')));
    const second = await stored(store, source(nodeService('console.log(2);')));
    const third = await stored(store, source(nodeService('console.log(3);')));
    await store.build(first);
    const layers = () => fs.readdirSync(path.join(store.cacheDir, 'deps'));
    const [layer] = layers();
    fs.writeFileSync(path.join(store.cacheDir, 'deps', layer as string, 'marker'), '');

    const details: string[] = [];
    const built = await Promise.all(
      [second, third].map((digest) => store.build(digest, { onProgress: (_step, detail) => details.push(detail ?? '') })),
    );
    expect(layers()).toEqual([layer]);
    expect(fs.existsSync(path.join(store.cacheDir, 'deps', layer as string, 'marker'))).toBe(true);
    expect(details.filter((d) => d === `reusing ${layer}`)).toHaveLength(2);
    const outputs = built.map((a) => fs.readFileSync(path.join(a.dir, 'dist/server.js'), 'utf8'));
    expect(outputs).toEqual(['console.log(2);', 'console.log(3);']);
  });

  it('installs a new layer once when two builds of a new lockfile run at once', async () => {
    const store = newStore();
    const service = (n: number) => ({ ...nodeService(`console.log(${n});`), '.npmrc': 'fund=false\n' });
    const digests = await Promise.all([1, 2].map(async (n) => stored(store, source(service(n)))));
    const details: string[] = [];
    await Promise.all(digests.map((d) => store.build(d, { onProgress: (_s, detail) => details.push(detail ?? '') })));
    expect(fs.readdirSync(path.join(store.cacheDir, 'deps')).filter((n) => n.startsWith('node-'))).toHaveLength(1);
    expect(details.filter((d) => d.startsWith('reusing'))).toHaveLength(1);
  });

  it('refuses a node source with dependencies and no package-lock.json', async () => {
    const store = newStore();
    const digest = await stored(
      store,
      source({ 'package.json': JSON.stringify({ name: 'svc', dependencies: { zod: '^4.0.0' } }), 'server.js': '' }),
    );
    await expect(store.build(digest)).rejects.toMatchObject({
      code: 'ARTIFACT_INVALID',
      message: expect.stringContaining('no package-lock.json'),
    });
  });

  it('fails with the build output when the build script fails, and leaves no half-built artifact', async () => {
    const store = newStore();
    const files = nodeService('');
    files['build.mjs'] = "console.error('src/server.ts(3,1): error TS2304: Cannot find name foo'); process.exit(2);";
    const digest = await stored(store, source(files));
    const err = await store.build(digest).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ARTIFACT_BUILD_FAILED' });
    expect((err as Error).message).toContain('exit code 2');
    expect((err as Error).message).toContain('Cannot find name foo');
    expect(fs.readdirSync(store.dir).sort()).toEqual([`${digest.slice(7)}.tar.gz`]);
  });
});

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from './artifact-store.js';
import { packSource } from './pack-source.js';

const repo = path.resolve(import.meta.dirname, '../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-sdk-link-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A package with no dependencies (npm ci fetches nothing) whose server imports the SDK under both names. */
const SERVICE: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'svc', version: '1.0.0', type: 'module', scripts: { build: 'node build.mjs' } }),
  'package-lock.json': JSON.stringify({ name: 'svc', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'svc', version: '1.0.0' } } }),
  'build.mjs': "import fs from 'node:fs'; fs.mkdirSync('dist', { recursive: true }); fs.copyFileSync('server.js', 'dist/server.js');",
  'server.js': "const [a, b] = await Promise.all([import('@mlaas/sdk'), import('mlaas/sdk')]); console.log(typeof a.service, a.service === b.service);",
};

describe('a Node artifact build', () => {
  it('lets a service import @mlaas/sdk, the same SDK that mlaas/sdk re-exports, without bringing it in its lockfile', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'src-'));
    for (const [name, content] of Object.entries(SERVICE)) fs.writeFileSync(path.join(dir, name), content);
    const state = fs.mkdtempSync(path.join(root, 'state-'));
    const store = new ArtifactStore({ dir: path.join(state, 'artifacts'), cacheDir: path.join(state, 'cache'), platformRoot: repo });
    const { bytes, digest } = await packSource(dir);
    await store.put(bytes, digest);
    const artifact = await store.build(digest);
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/server.js'], { cwd: artifact.dir });
    expect(stdout.trim()).toBe('function true');
  });

  it('builds again for a platform at another path: a build never links a platform that was moved or removed', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'src-'));
    for (const [name, content] of Object.entries(SERVICE)) fs.writeFileSync(path.join(dir, name), content);
    const state = fs.mkdtempSync(path.join(root, 'state-'));
    const { bytes, digest } = await packSource(dir);
    const storeAt = (platformRoot: string) => new ArtifactStore({ dir: path.join(state, 'artifacts'), cacheDir: path.join(state, 'cache'), platformRoot });
    // Two installations of the platform (the same files, reached by two paths); the first is then removed.
    const first = path.join(root, 'platform-a');
    const second = path.join(root, 'platform-b');
    fs.symlinkSync(repo, first, 'dir');
    fs.symlinkSync(repo, second, 'dir');
    const a = storeAt(first);
    await a.put(bytes, digest);
    await a.build(digest);
    fs.rmSync(first);
    const artifact = await storeAt(second).build(digest);
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/server.js'], { cwd: artifact.dir });
    expect(stdout.trim()).toBe('function true');
  });
});

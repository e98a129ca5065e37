// Needs Debian's python3-fastapi, python3-uvicorn and python3-venv (.ci/run installs them): without them the
// first test fails, naming the requirement the host cannot satisfy.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from './artifact-store.js';
import { packSource } from './pack-source.js';

const repo = path.resolve(import.meta.dirname, '../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const store = new ArtifactStore({ dir: path.join(root, 'artifacts'), cacheDir: path.join(root, 'cache'), platformRoot: repo });

async function buildPython(requirements: string) {
  const dir = fs.mkdtempSync(path.join(root, 'src-'));
  fs.writeFileSync(path.join(dir, 'requirements.txt'), requirements);
  fs.writeFileSync(path.join(dir, 'main.py'), 'import fastapi, uvicorn, sys\nprint(sys.prefix, fastapi.__name__)\n');
  const { bytes } = await packSource(dir);
  return store.build((await store.put(bytes)).digest);
}

describe('python artifacts', () => {
  it('runs in a venv that sees the host packages that satisfy requirements.txt', async () => {
    const artifact = await buildPython('fastapi\nuvicorn>=0.17\n');
    expect(artifact.kind).toBe('python');
    const venv = artifact.env['VIRTUAL_ENV'] as string;
    expect(artifact.env['PATH']?.split(path.delimiter)[0]).toBe(path.join(venv, 'bin'));
    const { stdout } = await promisify(execFile)('python', ['main.py'], {
      cwd: artifact.dir,
      env: { ...process.env, ...artifact.env },
    });
    expect(stdout.trim()).toBe(`${venv} fastapi`);
  });

  it('fails the build naming a requirement the host cannot satisfy', async () => {
    const err = await buildPython('fastapi\nsurely-not-a-real-package==1.0\n').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ARTIFACT_BUILD_FAILED' });
    expect((err as Error).message).toMatch(/^requirement "surely-not-a-real-package==1.0" cannot be satisfied/);
    expect(fs.readdirSync(path.join(root, 'cache/deps')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it("fails the build with pip's own ERROR: lines for any other pip failure", async () => {
    const err = await buildPython('-r other-requirements.txt\n').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ARTIFACT_BUILD_FAILED' });
    expect((err as Error).message).toMatch(/^pip install failed:\nERROR: Could not open requirements file: .*other-requirements\.txt/);
  });
});

/**
 * Dependency layers: installed dependencies (a node_modules tree, a Python
 * venv) kept in the shared cache under a name derived from the lockfile's
 * hash, so that every artifact with the same lockfile reuses one install and
 * a code-only change redeploys without reinstalling.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, publishDir } from './publish-dir.js';

export interface DependencyLayer {
  dir: string;
  /** False when this call installed it; true when it was there (or another build of this process installed it). */
  reused: boolean;
}

// Two builds in one process wait for one install instead of racing two.
const installing = new Map<string, Promise<DependencyLayer>>();

/**
 * The layer `<depsDir>/<name>`, installed by `install(tempDir)` if missing.
 *
 * @example
 * const layer = await ensureLayer(depsDir, `node-${hash}`, (dir) => runTool({ what: 'npm ci', ... }));
 */
export async function ensureLayer(
  depsDir: string,
  name: string,
  install: (tempDir: string) => Promise<void>,
): Promise<DependencyLayer> {
  const dir = path.join(depsDir, name);
  if (fs.existsSync(dir)) return { dir, reused: true };
  const pending = installing.get(dir);
  if (pending !== undefined) return { ...(await pending), reused: true };

  const work = (async (): Promise<DependencyLayer> => {
    const tempDir = makeTempDir(dir);
    try {
      await install(tempDir);
    } catch (err) {
      fs.rmSync(tempDir, { recursive: true, force: true });
      throw err;
    }
    return { dir, reused: !publishDir(tempDir, dir) };
  })();
  installing.set(dir, work);
  try {
    return await work;
  } finally {
    installing.delete(dir);
  }
}

/**
 * The file an ES module's `import 'name'` loads, found the way Node finds
 * it for a script at `fromFile`: the nearest `node_modules/<name>` up the
 * tree, then its package.json `exports` (conditions node, import, default,
 * first listed wins) or `main`. Only what the runtime pool needs: it
 * preloads these files, and a file it gets wrong is merely not reused.
 */
import fs from 'node:fs';
import path from 'node:path';

const CONDITIONS = new Set(['node', 'import', 'default']);

interface PackageJson {
  main?: unknown;
  exports?: unknown;
}

/** The real path of the file, or undefined when the package is not installed there or its entry is not a file. */
export function esmPackageEntry(name: string, fromFile: string): string | undefined {
  for (let dir = path.dirname(fromFile); ; dir = path.dirname(dir)) {
    const packageDir = path.join(dir, 'node_modules', name);
    const pkg = readPackageJson(path.join(packageDir, 'package.json'));
    if (pkg !== undefined) return realFile(path.join(packageDir, entryOf(pkg) ?? 'index.js'));
    if (path.dirname(dir) === dir) return undefined;
  }
}

function entryOf(pkg: PackageJson): string | undefined {
  const { exports } = pkg;
  if (exports === undefined) return typeof pkg.main === 'string' ? pkg.main : undefined;
  const root = isObject(exports) && Object.keys(exports).some((k) => k.startsWith('.')) ? exports['.'] : exports;
  return pickTarget(root);
}

function pickTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickTarget(t);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  if (!isObject(target)) return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (!CONDITIONS.has(condition)) continue;
    const picked = pickTarget(value);
    if (picked !== undefined) return picked;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readPackageJson(file: string): PackageJson | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function realFile(file: string): string | undefined {
  try {
    const real = fs.realpathSync(file);
    return fs.statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

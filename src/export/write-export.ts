/**
 * Writes an export to its directory. The directory is made anew each time,
 * so that a second export of the same input leaves the same files and no
 * stale ones; to make that safe, only an empty directory or one an earlier
 * export wrote (its README.md starts with EXPORT_MARKER) is replaced.
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MlaasError } from '../errors.js';
import type { ExportFile } from './export-types.js';

/** The first line of every exported README.md. */
export const EXPORT_MARKER = '<!-- written by mlaas export: the whole directory is replaced by the next export -->';

/**
 * @example
 * await writeExport('deploy', [{ path: 'README.md', content: `${EXPORT_MARKER}\n…` }]);
 */
export async function writeExport(dir: string, files: readonly ExportFile[]): Promise<void> {
  const root = path.resolve(dir);
  await assertReplaceable(root);
  assertInside(root, files);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const target = path.join(root, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    if (file.from !== undefined) await copyFile(file.from, target);
    else await writeFile(target, file.content);
  }
}

/**
 * An output directory inside a service's source would go into that service's
 * artifact and its next export's build context: refused, naming the service.
 */
export function assertOutsideSources(dir: string, sources: ReadonlyArray<{ name: string; source: string }>): void {
  const root = path.resolve(dir);
  for (const { name, source } of sources) {
    const relative = path.relative(path.resolve(source), root);
    if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
      throw new MlaasError(
        'EXPORT_OUT_INVALID',
        `--out: ${root} is inside the source of service ${name} (${source}), whose artifact and image would then hold the export; name a directory outside it`,
      );
    }
  }
}

async function assertReplaceable(root: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new MlaasError('EXPORT_OUT_INVALID', `--out: expected a directory, got a file: ${root}`);
    throw err;
  }
  if (entries.length === 0) return;
  const readme = await readFile(path.join(root, 'README.md'), 'utf8').catch(() => '');
  if (readme.split('\n', 1)[0] !== EXPORT_MARKER) {
    throw new MlaasError(
      'EXPORT_OUT_INVALID',
      `--out: ${root} is not empty and not an earlier export (its README.md does not start with mlaas export's marker); export replaces the whole directory, so name an empty or new one`,
    );
  }
}

function assertInside(root: string, files: readonly ExportFile[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    const target = path.resolve(root, ...file.path.split('/'));
    if (file.path.startsWith('/') || !target.startsWith(root + path.sep)) {
      throw new MlaasError('EXPORT_OUT_INVALID', `export file ${file.path}: expected a path inside ${root}`);
    }
    if (seen.has(target)) throw new MlaasError('EXPORT_OUT_INVALID', `export file ${file.path}: written twice`);
    seen.add(target);
  }
}

/**
 * Packs a service's source directory into a deterministic gzipped tar: the
 * same files give the same bytes, hence the same digest, whatever their
 * mtimes, owners or the umask they were written with. That makes an
 * artifact content-addressed: redeploying unchanged code is a no-op.
 *
 * Left out: `node_modules/`, `.git/` and whatever the source's
 * `.mlaasignore` lists (gitignore syntax, see ignore-rules.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { MlaasError } from '../errors.js';
import { digestOf } from './artifact-digest.js';
import { compileIgnoreRules, DEFAULT_IGNORES, type IgnoreMatcher } from './ignore-rules.js';

export const IGNORE_FILE = '.mlaasignore';

/** Every entry carries this mtime (directories none), so the archive does not depend on when files were written. */
const FIXED_MTIME = new Date('1980-01-01T00:00:00Z');

export interface PackedSource {
  bytes: Buffer;
  /** `sha256:<hex>` of `bytes`. */
  digest: string;
  /** Regular files and symbolic links in the archive. */
  files: number;
}

export interface PackOptions {
  /** Called as entries are written: `packed` of `total` files so far. */
  onProgress?: (packed: number, total: number) => void;
}

interface Listing {
  /** Relative `/`-separated paths, directories included, in archive order. */
  entries: string[];
  /** The regular files and symbolic links among them. */
  fileEntries: string[];
  files: number;
}

/** Depth-first, names in code-unit order: independent of the file system's readdir order and of the locale. */
function listSource(root: string, ignored: IgnoreMatcher): Listing {
  const listing: Listing = { entries: [], fileEntries: [], files: 0 };
  const visit = (relativeDir: string): void => {
    const dirents = fs.readdirSync(path.join(root, relativeDir), { withFileTypes: true });
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of dirents) {
      const relative = relativeDir === '' ? dirent.name : `${relativeDir}/${dirent.name}`;
      if (dirent.isDirectory()) {
        if (ignored(relative, true)) continue;
        listing.entries.push(relative);
        visit(relative);
      } else if (dirent.isFile() || dirent.isSymbolicLink()) {
        if (ignored(relative, false)) continue;
        listing.entries.push(relative);
        listing.fileEntries.push(relative);
        listing.files++;
      }
    }
  };
  visit('');
  return listing;
}

function readIgnoreFile(dir: string): string[] {
  const file = path.join(dir, IGNORE_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split(/\r?\n/) : [];
}

/** Owner-writable, world-readable; executable only if the owner could execute it. */
function normalisedMode(stat: fs.Stats): number {
  if (stat.isDirectory() || stat.isSymbolicLink()) return 0o755;
  return stat.mode & 0o100 ? 0o755 : 0o644;
}

function listRoot(dir: string): { root: string; listing: Listing } {
  const root = path.resolve(dir);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new MlaasError('ARTIFACT_INVALID', `source: expected a directory, got ${root} (not found or not a directory)`);
  }
  const ignored = compileIgnoreRules([...DEFAULT_IGNORES, ...readIgnoreFile(root)]);
  const listing = listSource(root, ignored);
  if (listing.files === 0) throw new MlaasError('ARTIFACT_INVALID', `source ${root}: expected at least one file to pack, found none`);
  return { root, listing };
}

/**
 * The files (and symbolic links) `packSource` puts in the archive, relative and
 * `/`-separated, in archive order: what an exported image's build context holds.
 *
 * @example
 * listPackedFiles('examples/spam-filter'); // ['.npmrc', 'model-signature.ts', 'package-lock.json', …]
 */
export function listPackedFiles(dir: string): string[] {
  return listRoot(dir).listing.fileEntries;
}

/**
 * The archive of `dir` and its digest.
 *
 * @example
 * const { bytes, digest } = await packSource('examples/spam-filter');
 * await store.put(bytes, digest);
 */
export async function packSource(dir: string, options: PackOptions = {}): Promise<PackedSource> {
  const {
    root,
    listing: { entries, files },
  } = listRoot(dir);

  let packed = 0;
  const stream = tar.create(
    {
      cwd: root,
      gzip: true,
      portable: true,
      mtime: FIXED_MTIME,
      noDirRecurse: true,
      onWriteEntry: (entry) => {
        if (entry.stat !== undefined) entry.stat.mode = (entry.stat.mode & ~0o7777) | normalisedMode(entry.stat);
        if (entry.type !== 'Directory') options.onProgress?.(++packed, files);
      },
    },
    entries,
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return { bytes, digest: digestOf(bytes), files };
}

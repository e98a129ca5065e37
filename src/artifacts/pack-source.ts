/**
 * Packs a service's source directory into a deterministic gzipped tar: the
 * same files give the same bytes, hence the same digest, whatever their
 * mtimes, owners or the umask they were written with. That makes an
 * artifact content-addressed: redeploying unchanged code is a no-op.
 *
 * What goes in, what is left out and what is refused: list-source.ts.
 */
import type fs from 'node:fs';
import * as tar from 'tar';
import { digestOf } from './artifact-digest.js';
import { listSource, type ListSourceOptions, type SourceListing } from './list-source.js';

export { IGNORE_FILE } from './list-source.js';

/** Every entry carries this mtime (directories none), so the archive does not depend on when files were written. */
const FIXED_MTIME = new Date('1980-01-01T00:00:00Z');

export interface PackedSource {
  bytes: Buffer;
  /** `sha256:<hex>` of `bytes`. */
  digest: string;
  /** Regular files and symbolic links in the archive. */
  files: number;
  /** What the default ignores or the state directory left out, for the deploy's progress. */
  leftOut: string[];
  /** Packed files over the size limit, for a warning. */
  largeFiles: SourceListing['largeFiles'];
}

export interface PackOptions extends ListSourceOptions {
  /** Called as entries are written: `packed` of `total` files so far. */
  onProgress?: (packed: number, total: number) => void;
}

/** Owner-writable, world-readable; executable only if the owner could execute it. */
function normalisedMode(stat: fs.Stats): number {
  if (stat.isDirectory() || stat.isSymbolicLink()) return 0o755;
  return stat.mode & 0o100 ? 0o755 : 0o644;
}

/**
 * The files (and symbolic links) `packSource` puts in the archive, relative and
 * `/`-separated, in archive order: what an exported image's build context holds.
 *
 * @example
 * listPackedFiles('examples/spam-filter'); // ['.npmrc', 'model-signature.ts', 'package-lock.json', …]
 */
export function listPackedFiles(dir: string, options: ListSourceOptions = {}): string[] {
  return listSource(dir, options).listing.fileEntries;
}

/**
 * The archive of `dir` and its digest.
 *
 * @example
 * const { bytes, digest } = await packSource('examples/spam-filter');
 * await store.put(bytes, digest);
 */
export async function packSource(dir: string, options: PackOptions = {}): Promise<PackedSource> {
  const { root, listing } = listSource(dir, options);
  const { entries, leftOut, largeFiles } = listing;
  const files = listing.fileEntries.length;

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
  return { bytes, digest: digestOf(bytes), files, leftOut, largeFiles };
}

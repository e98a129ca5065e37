/**
 * Which files of a service's source go into its artifact, and what stops a
 * pack: the one listing behind `packSource`, `listPackedFiles` (export) and
 * plan, so that a deploy, an exported image and a plan see the same files.
 *
 * Left out: the default ignores (ignore-rules.ts), the platform's state
 * directory wherever it sits, and what `.mlaasignore` lists. Refused, each
 * by path, before anything is packed: a secret-looking file that
 * `.mlaasignore` does not take back with a `!` line, and a symbolic link to
 * an absolute path or out of the source (it would not resolve where the
 * artifact is unpacked, and tar cannot hold an absolute one).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MlaasError, type FieldIssue } from '../errors.js';
import { compileIgnoreRules, compileReincludeRules, DEFAULT_IGNORES } from './ignore-rules.js';

export const IGNORE_FILE = '.mlaasignore';

/**
 * Files named like credentials: the platform's own (admin token, the
 * gateway's signing key), private keys, environment files. Matched with
 * `.mlaasignore` syntax.
 */
export const SECRET_FILES: readonly string[] = [
  'admin-token',
  'gateway-signing-key.json',
  '*.pem',
  '*.key',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  '.env',
  '.env.*',
];

/** A file above this size is packed but listed: large models belong in the model store. */
export const LARGE_FILE_BYTES = 100 * 1024 * 1024;

export interface ListSourceOptions {
  /** The platform's state directory: never packed, wherever it sits in the source. */
  stateDir?: string;
}

export interface SourceListing {
  /** Relative `/`-separated paths, directories included, in archive order. */
  entries: string[];
  /** The regular files and symbolic links among them. */
  fileEntries: string[];
  /** What the default ignores or the state directory left out (directories end in `/`); `.mlaasignore`'s own lines are not listed. */
  leftOut: string[];
  /** Packed files over LARGE_FILE_BYTES. */
  largeFiles: { path: string; bytes: number }[];
}

type Matcher = (relativePath: string, isDirectory: boolean) => boolean;

function readIgnoreFile(dir: string): string[] {
  const file = path.join(dir, IGNORE_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split(/\r?\n/) : [];
}

/** The state directory as an anchored directory rule, when it lies inside the source. */
function stateDirRule(root: string, stateDir: string | undefined): string[] {
  if (stateDir === undefined) return [];
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const relative = path.relative(real(root), real(stateDir));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return [];
  return [`/${relative.split(path.sep).join('/')}/`];
}

/** Why a symbolic link cannot be packed, or undefined when it stays inside the source. */
function linkProblem(root: string, relative: string): string | undefined {
  const target = fs.readlinkSync(path.join(root, relative));
  if (path.isAbsolute(target)) return `symbolic link to an absolute path (${target}): make it relative to a file inside the source`;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(relative), target.split(path.sep).join('/')));
  if (resolved === '..' || resolved.startsWith('../')) return `symbolic link out of the source (${target})`;
  return undefined;
}

/** Depth-first, names in code-unit order: independent of the file system's readdir order and of the locale. */
function walk(root: string, matchers: { ignored: Matcher; byDefault: Matcher; reincluded: Matcher; secret: Matcher }): SourceListing & { refused: FieldIssue[] } {
  const listing: SourceListing & { refused: FieldIssue[] } = { entries: [], fileEntries: [], leftOut: [], largeFiles: [], refused: [] };
  const visit = (relativeDir: string): void => {
    const dirents = fs.readdirSync(path.join(root, relativeDir), { withFileTypes: true });
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of dirents) {
      const relative = relativeDir === '' ? dirent.name : `${relativeDir}/${dirent.name}`;
      const isDirectory = dirent.isDirectory();
      if (!isDirectory && !dirent.isFile() && !dirent.isSymbolicLink()) continue;
      if (matchers.ignored(relative, isDirectory)) {
        if (matchers.byDefault(relative, isDirectory)) listing.leftOut.push(isDirectory ? `${relative}/` : relative);
        continue;
      }
      listing.entries.push(relative);
      if (isDirectory) {
        visit(relative);
        continue;
      }
      listing.fileEntries.push(relative);
      if (dirent.isSymbolicLink()) {
        const problem = linkProblem(root, relative);
        if (problem !== undefined) listing.refused.push({ path: relative, message: problem });
      } else if (matchers.secret(relative, false) && !matchers.reincluded(relative, false)) {
        listing.refused.push({
          path: relative,
          message: `looks like a secret: add "${relative}" to ${IGNORE_FILE} to leave it out, or "!${relative}" to pack it anyway`,
        });
      } else {
        const bytes = fs.lstatSync(path.join(root, relative)).size;
        if (bytes > LARGE_FILE_BYTES) listing.largeFiles.push({ path: relative, bytes });
      }
    }
  };
  visit('');
  return listing;
}

/**
 * Lists what packing `dir` would put in the archive; throws
 * ARTIFACT_SOURCE_REFUSED naming every secret-looking file and escaping
 * symbolic link, ARTIFACT_INVALID for a missing or empty source.
 *
 * @example
 * const { root, listing } = listSource('examples/spam-filter', { stateDir: '.mlaas' });
 */
export function listSource(dir: string, options: ListSourceOptions = {}): { root: string; listing: SourceListing } {
  const root = path.resolve(dir);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new MlaasError('ARTIFACT_INVALID', `source: expected a directory, got ${root} (not found or not a directory)`);
  }
  const defaults = [...DEFAULT_IGNORES, ...stateDirRule(root, options.stateDir)];
  const own = readIgnoreFile(root);
  const { refused, ...listing } = walk(root, {
    ignored: compileIgnoreRules([...defaults, ...own]),
    byDefault: compileIgnoreRules(defaults),
    reincluded: compileReincludeRules(own),
    secret: compileIgnoreRules(SECRET_FILES),
  });
  if (refused.length > 0) {
    throw new MlaasError(
      'ARTIFACT_SOURCE_REFUSED',
      `source ${root}: refused to pack ${refused.map((r) => `${r.path} (${r.message})`).join('; ')}`,
      { errors: refused },
    );
  }
  if (listing.fileEntries.length === 0) throw new MlaasError('ARTIFACT_INVALID', `source ${root}: expected at least one file to pack, found none`);
  return { root, listing };
}

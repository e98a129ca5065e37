/**
 * Immutable, content-addressed artifacts: what Cloud Build produces for a
 * Cloud Run deploy, in seconds. `put` keeps a packed source under its digest;
 * `build` unpacks it, installs or reuses its dependency layer, runs its build
 * script, and publishes the result at `<dir>/<hex>/` in one rename. A
 * `<hex>.json` beside it records the finished build, so building the same
 * digest again is instant, also after a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { MlaasError } from '../errors.js';
import { readAptPackages } from './apt-packages.js';
import { digestHex, digestOf, sha256Hex } from './artifact-digest.js';
import type { BuildProgress } from './build-progress.js';
import { prepareNodeArtifact } from './node-artifact.js';
import { makeTempDir, publishDir, sweepDeadTemps } from './publish-dir.js';
import { preparePythonArtifact } from './python-artifact.js';

export type ArtifactKind = 'node' | 'python' | 'plain';

export interface BuiltArtifact {
  digest: string;
  /** The unpacked, built source: an instance's working directory. Never changes. */
  dir: string;
  kind: ArtifactKind;
  /** To merge over an instance's environment: PATH with the venv or node_modules/.bin first, VIRTUAL_ENV, … */
  env: Record<string, string>;
}

export interface ArtifactStoreOptions {
  /** Where archives and built artifacts live: `<cacheDir>/artifacts`, outside the state dir, where instances can read them. */
  dir: string;
  /** Shared dependency layers live in `<cacheDir>/deps`; default `defaultCacheDir()`. */
  cacheDir?: string;
  /** The mlaas package root: services resolve `mlaas/sdk` there. */
  platformRoot: string;
  /** Interpreter for Python venvs; default `/usr/bin/python3` (the one that sees Debian's packages) when it exists. */
  python?: string;
}

/** What `<hex>.json` holds: the artifact, and the layers it links to (a cleared cache means rebuilding). */
interface BuildRecord extends BuiltArtifact {
  layers: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * `$MLAAS_CACHE_DIR`, else `/var/cache/mlaas` for root (whose home other users,
 * the instances' among them, cannot enter), else `$XDG_CACHE_HOME/mlaas` or `~/.cache/mlaas`.
 */
export function defaultCacheDir(): string {
  const fromEnv = process.env['MLAAS_CACHE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.getuid?.() === 0) return '/var/cache/mlaas';
  return path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'mlaas');
}

function defaultPython(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** How a source directory builds: by its package.json, else requirements.txt or pyproject.toml, else as it is. */
export function detectKind(dir: string): ArtifactKind {
  const has = (name: string) => fs.existsSync(path.join(dir, name));
  if (has('package.json')) return 'node';
  if (has('requirements.txt') || has('pyproject.toml')) return 'python';
  return 'plain';
}

function writeFileAtomically(file: string, data: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, file);
}

/**
 * @example
 * const store = new ArtifactStore({ dir: '.mlaas/artifacts', platformRoot });
 * const { bytes } = await packSource('examples/spam-filter');
 * const { digest } = await store.put(bytes);
 * const artifact = await store.build(digest, { onProgress: (step, detail) => console.log(step, detail) });
 * spawn('node', ['dist/server.js'], { cwd: artifact.dir, env: { ...process.env, ...artifact.env } });
 */
export class ArtifactStore {
  readonly dir: string;
  readonly cacheDir: string;
  readonly platformRoot: string;
  readonly python: string;
  readonly #building = new Map<string, Promise<BuiltArtifact>>();

  constructor(options: ArtifactStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.cacheDir = path.resolve(options.cacheDir ?? defaultCacheDir());
    this.platformRoot = path.resolve(options.platformRoot);
    this.python = options.python ?? defaultPython();
    fs.mkdirSync(this.dir, { recursive: true });
    fs.mkdirSync(this.#depsDir, { recursive: true });
    sweepDeadTemps(this.dir);
    sweepDeadTemps(this.#depsDir);
  }

  get #depsDir(): string {
    return path.join(this.cacheDir, 'deps');
  }

  /** Where the archive of `digest` is kept. */
  archivePath(digest: string): string {
    return path.join(this.dir, `${digestHex(digest)}.tar.gz`);
  }

  has(digest: string): boolean {
    return fs.existsSync(this.archivePath(digest));
  }

  /**
   * Keeps a packed source; idempotent. With `expectedDigest`, bytes that do
   * not hash to it are refused (a corrupted upload never becomes an artifact).
   */
  async put(bytes: Uint8Array, expectedDigest?: string): Promise<{ digest: string }> {
    const digest = digestOf(bytes);
    if (expectedDigest !== undefined && expectedDigest !== digest) {
      digestHex(expectedDigest);
      throw new MlaasError('ARTIFACT_INVALID', `artifact bytes: expected digest ${expectedDigest}, got ${digest}`);
    }
    if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) {
      throw new MlaasError('ARTIFACT_INVALID', 'artifact bytes: expected a gzipped tar, got data without the gzip header');
    }
    const file = this.archivePath(digest);
    if (!fs.existsSync(file)) writeFileAtomically(file, bytes);
    return { digest };
  }

  /** The finished build of `digest`, if there is one whose dependency layers still exist. */
  built(digest: string): BuiltArtifact | undefined {
    const recordFile = path.join(this.dir, `${this.#buildName(digestHex(digest))}.json`);
    if (!fs.existsSync(recordFile)) return undefined;
    const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as BuildRecord;
    if (!fs.existsSync(record.dir) || !record.layers.every((layer) => fs.existsSync(layer))) return undefined;
    const { layers: _layers, ...artifact } = record;
    return artifact;
  }

  /** Builds `digest` (or returns its earlier build); concurrent calls for one digest share one build. */
  async build(digest: string, options: { onProgress?: BuildProgress } = {}): Promise<BuiltArtifact> {
    const hex = digestHex(digest);
    const done = this.built(digest);
    if (done !== undefined) return done;
    const pending = this.#building.get(hex);
    if (pending !== undefined) return pending;
    const work = this.#build(digest, hex, options.onProgress ?? (() => {})).finally(() => this.#building.delete(hex));
    this.#building.set(hex, work);
    return work;
  }

  async #build(digest: string, hex: string, onProgress: BuildProgress): Promise<BuiltArtifact> {
    const archive = this.archivePath(digest);
    if (!fs.existsSync(archive)) throw new MlaasError('ARTIFACT_NOT_FOUND', `artifact ${digest}: no archive in ${this.dir}`);
    const finalDir = path.join(this.dir, this.#buildName(hex));

    const workDir = makeTempDir(finalDir);
    try {
      onProgress('unpack', digest);
      await this.#unpack(archive, workDir, digest);
      const kind = detectKind(workDir);
      const aptPackages = readAptPackages(workDir);
      if (aptPackages.length > 0) {
        onProgress('dependencies', `apt.txt: ${aptPackages.join(' ')} (installed by exported images; here the host provides them)`);
      }
      const prepared =
        kind === 'node'
          ? await prepareNodeArtifact(workDir, finalDir, { depsDir: this.#depsDir, platformRoot: this.platformRoot, onProgress })
          : kind === 'python'
            ? await preparePythonArtifact(workDir, { depsDir: this.#depsDir, python: this.python, onProgress })
            : { env: {}, layers: [] };
      // Losing the rename means an equal build is there already: one of another process, or an earlier one whose
      // cleared layers were just installed again at the same content-derived paths.
      publishDir(workDir, finalDir);
      const record: BuildRecord = { digest, dir: finalDir, kind, env: prepared.env, layers: prepared.layers };
      writeFileAtomically(path.join(this.dir, `${this.#buildName(hex)}.json`), JSON.stringify(record, null, 2));
      onProgress('ready', finalDir);
      const { layers: _layers, ...artifact } = record;
      return artifact;
    } catch (err) {
      fs.rmSync(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * A build links the platform it was made by (`node_modules/mlaas`, `@mlaas/sdk`): builds of one archive by
   * platforms at other paths are others, so that one removed or moved never leaves a build pointing at it.
   */
  #buildName(hex: string): string {
    return `${hex}-${sha256Hex(this.platformRoot).slice(0, 8)}`;
  }

  async #unpack(archive: string, workDir: string, digest: string): Promise<void> {
    try {
      // noMtime: files carry the unpack time, so build tools that compare mtimes see fresh sources.
      await tar.extract({ file: archive, cwd: workDir, strict: true, noMtime: true });
    } catch (err) {
      throw new MlaasError('ARTIFACT_INVALID', `artifact ${digest}: not a readable gzipped tar (${(err as Error).message})`, {
        cause: err,
      });
    }
  }
}

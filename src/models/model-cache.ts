/**
 * A local, content-addressed copy of model versions for the runtime to hand to
 * instances (`MLAAS_MODEL_<NAME>`): `<dir>/<sha256>/model.<format>`. Bytes are
 * hashed while they are copied and kept only if they match the version's
 * meta.json; a verified copy carries a marker (digest, size, mtime) so later
 * fetches re-check it without reading it again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { MlaasError } from '../errors.js';
import { DigestStream } from './digest-stream.js';
import { formatModelRef } from './model-ref.js';
import type { ModelRegistry } from './model-registry.js';
import type { ModelVersion } from './model-version.js';

export interface CachedModel {
  /** Absolute path of the verified local copy. */
  path: string;
  name: string;
  version: number;
  sha256: string;
  model: ModelVersion;
}

export interface FetchOptions {
  /** Re-hash an already cached copy instead of trusting its marker. */
  rehash?: boolean;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/** Told of each copy from the store (the platform's model metrics). */
export interface ModelCacheEvents {
  /** A version was copied and verified in `ms`. */
  loaded?(model: ModelVersion, ms: number): void;
  /** The bytes copied did not match the version's digest; the copy was thrown away. */
  digestMismatch?(model: ModelVersion): void;
}

const MARKER = 'verified.json';
const markerSchema = z.object({ sha256: z.string(), size: z.int(), mtimeMs: z.number() });

export class ModelCache {
  readonly dir: string;
  private readonly registry: ModelRegistry;
  /** One copy per digest at a time, however many revisions ask for it at once. */
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly events: ModelCacheEvents;

  constructor(options: { dir: string; registry: ModelRegistry; events?: ModelCacheEvents }) {
    this.dir = path.resolve(options.dir);
    this.registry = options.registry;
    this.events = options.events ?? {};
  }

  /** Where the verified copy of a version lives (whether or not it has been fetched yet). */
  pathOf(model: { sha256: string; format: string }): string {
    return path.join(this.dir, model.sha256, `model.${model.format}`);
  }

  /**
   * A verified local copy of a version (`spam@production`, `spam@3`, or a resolved ModelVersion).
   * Throws `MODEL_DIGEST_MISMATCH`, naming both digests, when the stored bytes are not the ones pushed;
   * nothing is then left in the cache.
   *
   * @example
   * const { path } = await cache.fetch('spam@production'); // → env MLAAS_MODEL_CLASSIFIER=path
   */
  async fetch(ref: string | ModelVersion, options: FetchOptions = {}): Promise<CachedModel> {
    const model = typeof ref === 'string' ? await this.registry.resolve(ref) : ref;
    const target = this.pathOf(model);
    const fresh = await this.isVerified(target, model, options.rehash === true);
    if (!fresh) {
      let copying = this.inFlight.get(model.sha256);
      if (copying === undefined) {
        copying = this.copy(model, target, options.onProgress).finally(() => this.inFlight.delete(model.sha256));
        this.inFlight.set(model.sha256, copying);
      }
      await copying;
    }
    return { path: target, name: model.name, version: model.version, sha256: model.sha256, model };
  }

  private async isVerified(target: string, model: ModelVersion, rehash: boolean): Promise<boolean> {
    let marker: z.infer<typeof markerSchema>;
    let size: number;
    let mtimeMs: number;
    try {
      marker = markerSchema.parse(JSON.parse(await readFile(path.join(path.dirname(target), MARKER), 'utf8')));
      ({ size, mtimeMs } = await stat(target));
    } catch {
      return false;
    }
    const intact = marker.sha256 === model.sha256 && marker.size === model.size && size === model.size && mtimeMs === marker.mtimeMs;
    if (!intact || !rehash) return intact;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(target)) hash.update(chunk as Buffer);
    return hash.digest('hex') === model.sha256;
  }

  private async copy(model: ModelVersion, target: string, onProgress?: FetchOptions['onProgress']): Promise<string> {
    const ref = formatModelRef(model.name, model.version);
    const startedAt = Date.now();
    await mkdir(this.dir, { recursive: true });
    const partial = path.join(this.dir, `.partial-${randomBytes(6).toString('hex')}`);
    const digest = new DigestStream(model.size, onProgress);
    try {
      try {
        await pipeline(await this.registry.open(model), digest, createWriteStream(partial, { flags: 'wx' }));
      } catch (err) {
        if (err instanceof MlaasError) throw err;
        throw new MlaasError('MODEL_STORE_FAILED', `${ref}: copying from ${this.registry.backend.location} failed: ${(err as Error).message}`, { cause: err });
      }
      const actual = digest.hex();
      if (actual !== model.sha256 || digest.bytes !== model.size) {
        this.events.digestMismatch?.(model);
        throw new MlaasError(
          'MODEL_DIGEST_MISMATCH',
          `${ref}: digest mismatch: the bytes in ${this.registry.backend.location} are not the ones pushed: expected sha256 ${model.sha256} (${model.size} bytes), got sha256 ${actual} (${digest.bytes} bytes)`,
        );
      }
      const dir = path.dirname(target);
      await mkdir(dir, { recursive: true });
      // Marker out, then an atomic replace: a reader never sees a marker vouching for other bytes.
      await rm(path.join(dir, MARKER), { force: true });
      await rename(partial, target);
      const { mtimeMs } = await stat(target);
      const markerTemp = `${partial}.marker`;
      await writeFile(markerTemp, JSON.stringify({ sha256: model.sha256, size: model.size, mtimeMs }));
      await rename(markerTemp, path.join(dir, MARKER));
      this.events.loaded?.(model, Date.now() - startedAt);
      return target;
    } finally {
      await rm(partial, { force: true });
    }
  }
}

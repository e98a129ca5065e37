/**
 * The model registry: immutable, numbered, sha256-digested model versions and
 * movable aliases, on any BlobBackend. The store describes itself, so teams
 * can share one bucket and any mlaas can read it:
 *
 *   <name>/blobs/<id>.<fmt>            the bytes, written first, under a name no other push uses
 *   <name>/versions/<n>/meta.json      create-only, written last: takes number n and publishes
 *                                      the version in one atomic step; names its blob
 *   <name>/versions/<n>/removed.json   written when version n is removed, before its meta.json goes
 *   <name>/aliases/<alias>.json        { version, updatedAt }
 *
 * A push that dies (kill -9) before its meta.json leaves no number taken: only
 * a blob, which the next push of that name removes once its writer is known
 * gone (see writer-tag.ts). removed.json keeps a removed version's number, so
 * a number is never given twice. Stores an older mlaas wrote also hold
 * `versions/<n>/claim.json` (a number taken) and `versions/<n>/model.<fmt>`
 * (the bytes of a version whose meta.json names no blob); both are still read.
 */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { z } from 'zod';
import { MlaasError } from '../errors.js';
import type { BlobBackend } from './blob-backend.js';
import { DigestStream } from './digest-stream.js';
import { assertAliasName, assertModelName, assertVersionNumber, formatModelRef, parseModelRef } from './model-ref.js';
import { decodeMeta, encodeMeta, type ModelVersion, type StoredMeta, type TensorSpec } from './model-version.js';
import { readOnnxSignature } from './onnx-signature.js';
import { isAbandoned, WRITER_TAG, WRITER_TAG_PATTERN } from './writer-tag.js';

/** Concurrent pushers each skip the numbers others took; past this many, something else is wrong. */
const MAX_PUBLISH_ATTEMPTS = 64;
/** Chunk size when pushing in-memory bytes, so progress moves for large models. */
const PUSH_CHUNK = 1 << 20;
const FORMAT = /^[a-z0-9]{1,16}$/;

export interface PushOptions {
  metadata?: {
    /** Default: the file's extension, or `onnx` for bytes. */
    format?: string;
    /** Default: the ONNX file's producer_name, if any. */
    framework?: string;
    metrics?: Record<string, string>;
    /** Only for formats other than ONNX, whose inputs and outputs are read from the file. */
    inputs?: TensorSpec[];
    outputs?: TensorSpec[];
  };
  /** Point this alias at the new version once it exists. */
  alias?: string;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ModelSummary {
  name: string;
  /** Existing versions, ascending. */
  versions: number[];
  latest: number;
  aliases: Record<string, number>;
}

export interface AliasChange {
  name: string;
  alias: string;
  version: number;
  /** Where the alias pointed before, if it existed: what a rollout moves traffic away from. */
  previous: number | undefined;
}

/** Answers whether a version is in use; a list names its users (revisions) in the refusal. */
export type InUseCheck = (ref: { name: string; version: number }) => boolean | readonly string[] | Promise<boolean | readonly string[]>;

const aliasSchema = z.object({ version: z.int().positive(), updatedAt: z.string() });

/** Every file of a version folder: meta.json, removed.json, and (older stores) claim.json and model.<fmt>. */
const VERSION_KEY = /^([^/]+)\/versions\/([1-9][0-9]*)\/([^/]+)$/;
const ALIAS_KEY = /^([^/]+)\/aliases\/([^/]+)\.json$/;
/** `<name>/blobs/<start time, base 36>.<host>.<pid>.<random>.<fmt>` */
const BLOB_KEY = new RegExp(`^[^/]+/blobs/([0-9a-z]+)\\.${WRITER_TAG_PATTERN}\\.[0-9a-f]{8}\\.[a-z0-9]{1,16}$`);

/** What a version folder holds; any file in it (claim.json of older stores too) means its number is taken. */
interface VersionFiles {
  meta: boolean;
  removed: boolean;
  /** The layout-1 bytes beside meta.json: such a version names no blob. */
  legacyBytes: boolean;
}

function json(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

function chunks(bytes: Uint8Array): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.byteLength; at += PUSH_CHUNK) yield bytes.subarray(at, at + PUSH_CHUNK);
    })(),
  );
}

export class ModelRegistry {
  readonly backend: BlobBackend;
  private readonly now: () => Date;

  constructor(options: { backend: BlobBackend; now?: () => Date }) {
    this.backend = options.backend;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Stores a new version of `name` from bytes or a file path and answers it.
   * The number is the next free one; an existing version is never touched.
   *
   * @example
   * const v = await registry.push('spam', 'spam.onnx', { alias: 'production', metadata: { metrics: { auc: '0.98' } } });
   * v.version // 3
   */
  async push(name: string, source: Uint8Array | string, options: PushOptions = {}): Promise<ModelVersion> {
    assertModelName(name);
    if (options.alias !== undefined) assertAliasName(options.alias);
    const label = typeof source === 'string' ? source : `the bytes pushed as ${name}`;
    const format = options.metadata?.format ?? (typeof source === 'string' ? path.extname(source).slice(1).toLowerCase() : 'onnx');
    if (!FORMAT.test(format)) {
      throw new MlaasError('MODEL_INVALID', `${label}: format must match ${FORMAT.source} (metadata.format, or the file extension), got ${JSON.stringify(format)}`);
    }
    const size = typeof source === 'string' ? await this.fileSize(source) : source.byteLength;
    let inputs = options.metadata?.inputs ?? [];
    let outputs = options.metadata?.outputs ?? [];
    let framework = options.metadata?.framework;
    if (format === 'onnx') {
      const signature = readOnnxSignature(typeof source === 'string' ? await readFile(source) : source, label);
      ({ inputs, outputs } = signature);
      framework ??= signature.producer;
    }

    // Best effort: a leftover blob costs space, not correctness, and must not stop a push.
    await this.removeAbandonedBlobs(name).catch(() => undefined);
    const blob = `blobs/${this.now().getTime().toString(36)}.${WRITER_TAG}.${randomBytes(4).toString('hex')}.${format}`;
    const blobKey = `${name}/${blob}`;
    const digest = new DigestStream(size, options.onProgress);
    const input = typeof source === 'string' ? createReadStream(source) : chunks(source);
    const created: ModelVersion = {
      name,
      version: 0,
      format,
      ...(framework ? { framework } : {}),
      inputs,
      outputs,
      metrics: { ...options.metadata?.metrics },
      createdAt: this.now().toISOString(),
      size,
      sha256: '',
    };
    try {
      await this.backend.put(blobKey, { stream: pipeline(input, digest, () => undefined), size });
      if (digest.bytes !== size) {
        throw new MlaasError('MODEL_INVALID', `${label} changed while it was pushed: expected ${size} bytes, read ${digest.bytes}`);
      }
      created.sha256 = digest.hex();
      created.version = await this.publish(created, blob);
    } catch (err) {
      input.destroy();
      await this.backend.delete(blobKey).catch(() => undefined);
      throw err;
    }
    if (options.alias !== undefined) await this.setAlias(name, options.alias, created.version);
    return created;
  }

  /** Every model with at least one version, by name. */
  async list(): Promise<ModelSummary[]> {
    const versions = new Map<string, number[]>();
    const aliasKeys: Array<[string, string]> = [];
    const keys = await this.backend.list('');
    const removed = new Set(keys.filter((key) => key.endsWith('/removed.json')).map((key) => key.slice(0, -'removed.json'.length)));
    for (const key of keys) {
      const v = VERSION_KEY.exec(key);
      if (v?.[3] === 'meta.json' && !removed.has(key.slice(0, -'meta.json'.length))) {
        versions.set(v[1] ?? '', [...(versions.get(v[1] ?? '') ?? []), Number(v[2])]);
      }
      const a = ALIAS_KEY.exec(key);
      if (a) aliasKeys.push([a[1] ?? '', a[2] ?? '']);
    }
    const summaries: ModelSummary[] = [];
    for (const [name, numbers] of [...versions].sort(([a], [b]) => a.localeCompare(b))) {
      numbers.sort((a, b) => a - b);
      const aliases: Record<string, number> = {};
      for (const [model, alias] of aliasKeys) {
        if (model !== name) continue;
        const target = await this.readAlias(name, alias);
        if (target !== undefined) aliases[alias] = target;
      }
      summaries.push({ name, versions: numbers, latest: numbers[numbers.length - 1] ?? 0, aliases });
    }
    return summaries;
  }

  /** Every version of `name`, ascending; `MODEL_NOT_FOUND` when it has none. */
  async versions(name: string): Promise<ModelVersion[]> {
    const numbers = await this.existingVersions(name);
    if (numbers.length === 0) throw this.noModel(name);
    return Promise.all(numbers.map((n) => this.get(name, n)));
  }

  async get(name: string, version: number): Promise<ModelVersion> {
    return (await this.readMeta(name, version)).version;
  }

  private async readMeta(name: string, version: number): Promise<StoredMeta> {
    assertModelName(name);
    assertVersionNumber(version);
    const bytes = await this.backend.get(`${name}/versions/${version}/meta.json`);
    if (bytes === undefined) {
      const existing = await this.existingVersions(name);
      if (existing.length === 0) throw this.noModel(name);
      throw new MlaasError('MODEL_NOT_FOUND', `model ${name} has no version ${version} (versions: ${existing.join(', ')})`);
    }
    const decoded = decodeMeta(bytes);
    if ('problem' in decoded) {
      throw new MlaasError('MODEL_STORE_FAILED', `${formatModelRef(name, version)}: meta.json in ${this.backend.location} is unreadable: ${decoded.problem}`);
    }
    if (decoded.version.name !== name || decoded.version.version !== version) {
      throw new MlaasError('MODEL_STORE_FAILED', `${name}/versions/${version}/meta.json in ${this.backend.location} describes ${formatModelRef(decoded.version.name, decoded.version.version)}`);
    }
    return decoded;
  }

  /** Where a version's bytes are: its blob, or the layout-1 file beside its meta.json. */
  private bytesKey(meta: StoredMeta): string {
    const { name, version, format } = meta.version;
    return meta.blob === undefined ? `${name}/versions/${version}/model.${format}` : `${name}/${meta.blob}`;
  }

  /** Alias → version for `name`. */
  async aliases(name: string): Promise<Record<string, number>> {
    assertModelName(name);
    const aliases: Record<string, number> = {};
    for (const key of await this.backend.list(`${name}/aliases/`)) {
      const alias = ALIAS_KEY.exec(key)?.[2];
      const target = alias === undefined ? undefined : await this.readAlias(name, alias);
      if (alias !== undefined && target !== undefined) aliases[alias] = target;
    }
    return aliases;
  }

  /**
   * The version a reference means now: `spam` and `spam@latest` (highest version), `spam@3`, `spam@production`.
   *
   * @example
   * (await registry.resolve('spam@production')).version // 2
   */
  async resolve(ref: string): Promise<ModelVersion> {
    const parsed = parseModelRef(ref);
    if (parsed.kind === 'version') return this.get(parsed.name, parsed.version);
    if (parsed.kind === 'latest') {
      const latest = (await this.existingVersions(parsed.name)).at(-1);
      if (latest === undefined) throw this.noModel(parsed.name);
      return this.get(parsed.name, latest);
    }
    const target = await this.readAlias(parsed.name, parsed.alias);
    if (target === undefined) {
      const known = Object.keys(await this.aliases(parsed.name));
      if (known.length === 0 && (await this.existingVersions(parsed.name)).length === 0) throw this.noModel(parsed.name);
      throw new MlaasError('MODEL_NOT_FOUND', `model ${parsed.name} has no alias ${parsed.alias} (aliases: ${known.join(', ') || 'none'})`);
    }
    return this.get(parsed.name, target);
  }

  /** Points `name@alias` at an existing version, creating or moving the alias. */
  async setAlias(name: string, alias: string, version: number): Promise<AliasChange> {
    assertAliasName(alias);
    await this.get(name, version);
    const previous = await this.readAlias(name, alias);
    await this.backend.put(`${name}/aliases/${alias}.json`, json({ version, updatedAt: this.now().toISOString() }));
    return { name, alias, version, previous };
  }

  /** Deletes `name@alias`; `MODEL_NOT_FOUND` when there is no such alias. */
  async removeAlias(name: string, alias: string): Promise<number> {
    assertModelName(name);
    assertAliasName(alias);
    const target = await this.readAlias(name, alias);
    if (target === undefined) throw new MlaasError('MODEL_NOT_FOUND', `model ${name} has no alias ${alias}`);
    await this.backend.delete(`${name}/aliases/${alias}.json`);
    return target;
  }

  /**
   * Deletes a version's bytes and metadata. Refused (`MODEL_VERSION_IN_USE`)
   * while an alias points at it or `inUse` says a revision uses it.
   */
  async remove(name: string, version: number, options: { inUse?: InUseCheck } = {}): Promise<void> {
    const existing = await this.readMeta(name, version);
    const ref = formatModelRef(name, version);
    const aliases = Object.entries(await this.aliases(name)).filter(([, v]) => v === version).map(([a]) => `${name}@${a}`);
    if (aliases.length > 0) {
      throw new MlaasError('MODEL_VERSION_IN_USE', `${ref} cannot be removed: alias ${aliases.join(', ')} points at it; move or remove the alias first`);
    }
    const users = (await options.inUse?.({ name, version })) ?? false;
    if (users === true || (Array.isArray(users) && users.length > 0)) {
      const who = Array.isArray(users) ? ` by ${users.join(', ')}` : ' by a revision';
      throw new MlaasError('MODEL_VERSION_IN_USE', `${ref} cannot be removed: it is in use${who}`);
    }
    // First, so that the number stays taken whatever happens next.
    await this.backend.putIfAbsent(`${name}/versions/${version}/removed.json`, json({ removedAt: this.now().toISOString() }));
    await this.backend.delete(`${name}/versions/${version}/meta.json`);
    await this.backend.delete(this.bytesKey(existing));
  }

  /** A stream of a version's stored bytes, unverified (ModelCache verifies them). */
  async open(version: ModelVersion): Promise<Readable> {
    const key = this.bytesKey(await this.readMeta(version.name, version.version));
    const stream = await this.backend.getStream(key);
    if (stream === undefined) {
      throw new MlaasError('MODEL_NOT_FOUND', `${formatModelRef(version.name, version.version)}: ${key} is missing from ${this.backend.location}`);
    }
    return stream;
  }

  private async readAlias(name: string, alias: string): Promise<number | undefined> {
    const bytes = await this.backend.get(`${name}/aliases/${alias}.json`);
    if (bytes === undefined) return undefined;
    let parsed;
    try {
      parsed = aliasSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      throw new MlaasError('MODEL_STORE_FAILED', `${name}@${alias}: ${name}/aliases/${alias}.json in ${this.backend.location} is not { version, updatedAt }`);
    }
    return parsed.data.version;
  }

  /** What each version folder holds, by number, from a listing of one model's keys. */
  private versionFiles(keys: readonly string[]): Map<number, VersionFiles> {
    const found = new Map<number, VersionFiles>();
    for (const key of keys) {
      const match = VERSION_KEY.exec(key);
      if (match === null) continue;
      const number = Number(match[2]);
      const files = found.get(number) ?? { meta: false, removed: false, legacyBytes: false };
      const file = match[3] ?? '';
      if (file === 'meta.json') files.meta = true;
      else if (file === 'removed.json') files.removed = true;
      else if (file.startsWith('model.')) files.legacyBytes = true;
      found.set(number, files);
    }
    return found;
  }

  private async existingVersions(name: string): Promise<number[]> {
    assertModelName(name);
    const files = this.versionFiles(await this.backend.list(`${name}/versions/`));
    return [...files].filter(([, f]) => f.meta && !f.removed).map(([n]) => n).sort((a, b) => a - b);
  }

  /**
   * Writes the version's meta.json under the next free number: the one step
   * that takes the number and makes the version visible. A concurrent push
   * that took the number first makes this try the next one.
   */
  private async publish(created: ModelVersion, blob: string): Promise<number> {
    const { name } = created;
    const taken = [...this.versionFiles(await this.backend.list(`${name}/versions/`)).keys()];
    let next = Math.max(0, ...taken) + 1;
    for (let attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS; attempt++, next++) {
      if (await this.backend.putIfAbsent(`${name}/versions/${next}/meta.json`, encodeMeta({ ...created, version: next }, blob))) return next;
    }
    throw new MlaasError('MODEL_STORE_FAILED', `could not take a version number for ${name} in ${this.backend.location} after ${MAX_PUBLISH_ATTEMPTS} attempts`);
  }

  /**
   * Removes the blobs of `name` that no version names and whose push was
   * abandoned (its process died before publishing, or it is a day old). Each
   * published version names one blob, so only a surplus of blobs over such
   * versions costs reading their meta.json.
   */
  private async removeAbandonedBlobs(name: string): Promise<void> {
    const keys = await this.backend.list(`${name}/`);
    const blobs = keys.filter((key) => key.startsWith(`${name}/blobs/`));
    const named = [...this.versionFiles(keys)].filter(([, f]) => f.meta && !f.legacyBytes).map(([n]) => n);
    if (blobs.length <= named.length) return;
    const referenced = new Set<string>();
    for (const meta of await Promise.all(named.map((n) => this.readMeta(name, n)))) referenced.add(this.bytesKey(meta));
    const now = this.now().getTime();
    for (const key of blobs) {
      const match = BLOB_KEY.exec(key);
      if (referenced.has(key) || match === null) continue;
      const [, started, host, pid] = match;
      if (isAbandoned(host ?? '', Number(pid), now - parseInt(started ?? '', 36))) await this.backend.delete(key);
    }
  }

  /** Checked before a number is claimed: a file that cannot be read fails here, not half-way through the push. */
  private async fileSize(file: string): Promise<number> {
    let info;
    try {
      info = await stat(file);
      await access(file, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new MlaasError('MODEL_INVALID', `${file}: no such file`);
      throw new MlaasError('MODEL_INVALID', `${file}: cannot be read (${code ?? (err as Error).message})`, { cause: err });
    }
    if (!info.isFile()) throw new MlaasError('MODEL_INVALID', `${file}: expected a model file, found a directory or special file`);
    return info.size;
  }

  private noModel(name: string): MlaasError {
    return new MlaasError('MODEL_NOT_FOUND', `model ${name} not found in ${this.backend.location}`);
  }
}

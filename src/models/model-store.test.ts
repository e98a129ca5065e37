// The model store's contract, run unchanged against the filesystem backend and
// the S3 backend (s3rver, a real S3-compatible server in a child process).
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MlaasError, type ErrorCode } from '../errors.js';
import type { BlobBackend } from './blob-backend.js';
import { startS3rver } from './fixtures/start-s3rver.js';
import { buildAddModel } from './fixtures/tiny-onnx-model.js';
import { FsBlobBackend } from './fs-blob-backend.js';
import { ModelCache } from './model-cache.js';
import { ModelRegistry } from './model-registry.js';
import { S3BlobBackend } from './s3-blob-backend.js';

interface Store {
  backend: BlobBackend;
  /** Writes bytes under a key without going through the registry (a stray tool, a bad disk, a rogue job). */
  tamper(key: string, bytes: Uint8Array): Promise<void>;
  /** How another process opens this store (the argument of fixtures/push-then-stop.mjs). */
  spec: Record<string, unknown>;
  /** Everything the store holds, as its medium shows it: hidden temp files included, with sizes. */
  contents(): Promise<Array<{ path: string; size: number }>>;
}

interface Harness {
  /** A store with nothing in it. */
  fresh(): Store;
  stop(): Promise<void>;
}

async function fsHarness(root: string): Promise<Harness> {
  let n = 0;
  return {
    fresh() {
      const dir = path.join(root, `store-${++n}`);
      return {
        backend: new FsBlobBackend(dir),
        async tamper(key, bytes) {
          fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
          fs.writeFileSync(path.join(dir, key), bytes);
        },
        spec: { kind: 'fs', dir },
        async contents() {
          if (!fs.existsSync(dir)) return [];
          return fs
            .readdirSync(dir, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => {
              const file = path.join(e.parentPath, e.name);
              return { path: path.relative(dir, file), size: fs.statSync(file).size };
            })
            .sort((a, b) => a.path.localeCompare(b.path));
        },
      };
    },
    async stop() {},
  };
}

async function s3Harness(): Promise<Harness> {
  const s3 = await startS3rver('models');
  const raw = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  let n = 0;
  return {
    fresh() {
      const prefix = `team-${++n}/models`;
      const spec = { kind: 's3', bucket: s3.bucket, prefix, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials };
      return {
        backend: new S3BlobBackend(spec),
        async tamper(key, bytes) {
          await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${key}`, Body: bytes }));
        },
        spec,
        async contents() {
          const page = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
          return (page.Contents ?? []).map((o) => ({ path: (o.Key ?? '').slice(prefix.length + 1), size: o.Size ?? 0 })).sort((a, b) => a.path.localeCompare(b.path));
        },
      };
    },
    async stop() {
      raw.destroy();
      await s3.stop();
    },
  };
}

/** Where fixtures/push-then-stop.mjs stops: while the bytes stream in, or with every byte stored, just before publishing. */
type CrashPoint = 'stream' | 'publish';

const PUSH_THEN_STOP = path.join(import.meta.dirname, 'fixtures', 'push-then-stop.mjs');

/**
 * Runs a push of `file` in a child process and resolves once it has stopped
 * at `stopAt`, alive; `kill` SIGKILLs it there, as kill -9 would.
 */
async function pushStoppedAt(store: Store, stopAt: CrashPoint, name: string, file: string): Promise<{ kill(): Promise<void> }> {
  const child = spawn(process.execPath, [PUSH_THEN_STOP, JSON.stringify(store.spec), stopAt, name, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('stopped')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the push exited (${code}) before it stopped:\n${stderr}`)));
  });
  return {
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MlaasError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an MlaasError, but the call succeeded');
}

// S3 stores whole objects only: a push killed while it streams leaves nothing there to clean.
describe.each([
  ['filesystem', fsHarness, ['publish', 'stream'] as CrashPoint[]],
  ['S3 (s3rver)', (_root: string) => s3Harness(), ['publish'] as CrashPoint[]],
])('model store on %s', (_kind, startHarness, crashPoints) => {
  let root: string;
  let harness: Harness;
  let store: Store;
  let registry: ModelRegistry;
  let cacheDir: string;
  let cache: ModelCache;
  const v1 = buildAddModel(3);
  const v2 = buildAddModel(4);

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
    harness = await startHarness(root);
  });
  afterAll(async () => {
    await harness.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    store = harness.fresh();
    registry = new ModelRegistry({ backend: store.backend });
    cacheDir = fs.mkdtempSync(path.join(root, 'cache-'));
    cache = new ModelCache({ dir: cacheDir, registry });
  });
  afterEach(() => store.backend.close());

  it('numbers versions 1, 2 per name and records size, sha256 and the ONNX signature', async () => {
    const first = await registry.push('spam', v1, { metadata: { metrics: { auc: '0.97', dataset: 'spamassassin' } } });
    const second = await registry.push('spam', v2);
    const other = await registry.push('sentiment', v2);

    expect([first.version, second.version, other.version]).toEqual([1, 2, 1]);
    expect(first).toMatchObject({ name: 'spam', format: 'onnx', framework: 'mlaas-tests', size: v1.byteLength, sha256: sha256(v1) });
    expect(first.metrics).toEqual({ auc: '0.97', dataset: 'spamassassin' });
    expect(first.inputs).toEqual([
      { name: 'a', datatype: 'FP32', shape: [-1, 3], dimNames: ['batch', null] },
      { name: 'b', datatype: 'FP32', shape: [-1, 3], dimNames: ['batch', null] },
    ]);
    expect(second.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [-1, 4], dimNames: ['batch', null] }]);
    expect(Date.parse(first.createdAt)).not.toBeNaN();

    expect(await registry.get('spam', 1)).toEqual(first);
    expect((await registry.versions('spam')).map((v) => v.sha256)).toEqual([sha256(v1), sha256(v2)]);
    expect(await registry.list()).toEqual([
      { name: 'sentiment', versions: [1], latest: 1, aliases: {} },
      { name: 'spam', versions: [1, 2], latest: 2, aliases: {} },
    ]);
  });

  it('pushes a file by path, reporting progress up to its size', async () => {
    const file = path.join(root, 'add.onnx');
    fs.writeFileSync(file, v2);
    const progress: Array<[number, number]> = [];
    const pushed = await registry.push('spam', file, { onProgress: (done, total) => progress.push([done, total]) });

    expect(pushed).toMatchObject({ version: 1, format: 'onnx', sha256: sha256(v2), size: v2.byteLength });
    expect(progress.at(-1)).toEqual([v2.byteLength, v2.byteLength]);
    expect(progress.every(([done], i) => i === 0 || done >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
  });

  it('resolves latest, a version number and an alias, and moves the alias', async () => {
    await registry.push('spam', v1, { alias: 'production' });
    await registry.push('spam', v2);

    expect((await registry.resolve('spam')).version).toBe(2);
    expect((await registry.resolve('spam@latest')).version).toBe(2);
    expect((await registry.resolve('spam@1')).sha256).toBe(sha256(v1));
    expect((await registry.resolve('spam@production')).version).toBe(1);

    expect(await registry.setAlias('spam', 'production', 2)).toEqual({ name: 'spam', alias: 'production', version: 2, previous: 1 });
    expect(await registry.setAlias('spam', 'staging', 1)).toMatchObject({ previous: undefined });
    expect((await registry.resolve('spam@production')).version).toBe(2);
    expect(await registry.aliases('spam')).toEqual({ production: 2, staging: 1 });
    expect((await registry.list())[0]?.aliases).toEqual({ production: 2, staging: 1 });

    expect(await registry.removeAlias('spam', 'staging')).toBe(1);
    expect(await codeOf(registry.resolve('spam@staging'))).toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('aliases: production') });
    expect((await codeOf(registry.setAlias('spam', 'production', 9))).code).toBe('MODEL_NOT_FOUND');
    expect((await codeOf(registry.setAlias('spam', 'latest', 1))).code).toBe('MODEL_REF_INVALID');
    expect((await codeOf(registry.resolve('spam@Prod'))).code).toBe('MODEL_REF_INVALID');
    expect((await codeOf(registry.resolve('nope@production'))).code).toBe('MODEL_NOT_FOUND');
  });

  it('never overwrites a version, nor gives again a number an older mlaas claimed (claim.json)', async () => {
    await registry.push('spam', v1);
    await store.backend.putIfAbsent('spam/versions/2/claim.json', Buffer.from('{}'));
    const next = await registry.push('spam', v2);

    expect(next.version).toBe(3);
    expect((await registry.get('spam', 1)).sha256).toBe(sha256(v1));
    expect(await store.backend.putIfAbsent('spam/versions/1/meta.json', Buffer.from('{}'))).toBe(false);
    expect((await registry.get('spam', 1)).sha256).toBe(sha256(v1));
    expect(await registry.versions('spam')).toHaveLength(2);
  });

  it.each(crashPoints)(
    'loses nothing to a push killed -9 at %s: the next push gets the next number, no listing shows a half version, no leftover stays',
    async (stopAt) => {
      await registry.push('spam', v1);
      const big = Buffer.alloc(1024 * 1024, 9);
      const file = path.join(root, `killed-${stopAt}.bin`);
      fs.writeFileSync(file, big);

      await (await pushStoppedAt(store, stopAt, 'spam', file)).kill();
      expect(await registry.list()).toEqual([{ name: 'spam', versions: [1], latest: 1, aliases: {} }]);
      expect((await registry.versions('spam')).map((v) => v.version)).toEqual([1]);

      const next = await registry.push('spam', v2);
      expect(next.version).toBe(2);
      expect((await registry.versions('spam')).map((v) => v.sha256)).toEqual([sha256(v1), sha256(v2)]);
      const contents = await store.contents();
      expect(contents.filter((f) => f.path.split('/').some((segment) => segment.startsWith('.')))).toEqual([]);
      // Only the two versions' bytes are stored: the killed push's megabyte is gone.
      const bytes = contents.filter((f) => !f.path.endsWith('.json')).reduce((sum, f) => sum + f.size, 0);
      expect(bytes).toBe(v1.byteLength + v2.byteLength);
    },
  );

  it('keeps the bytes of a push another live process has not published yet, and numbers around it', async () => {
    const file = path.join(root, 'in-progress.bin');
    fs.writeFileSync(file, Buffer.alloc(256 * 1024, 5));
    const other = await pushStoppedAt(store, 'publish', 'spam', file);
    try {
      expect((await registry.push('spam', v1)).version).toBe(1);
      expect((await registry.push('spam', v2)).version).toBe(2);
      const bytes = (await store.contents()).filter((f) => !f.path.endsWith('.json')).map((f) => f.size);
      expect(bytes.sort((a, b) => a - b)).toEqual([v1.byteLength, v2.byteLength, 256 * 1024].sort((a, b) => a - b));
    } finally {
      await other.kill();
    }
    expect((await registry.push('spam', v1)).version).toBe(3);
    expect((await store.contents()).filter((f) => f.size === 256 * 1024)).toEqual([]);
  });

  it('reads a version an older mlaas stored (claim.json, model.<fmt> beside a schemaVersion 1 meta.json) and numbers after it', async () => {
    const legacy = { name: 'spam', version: 1, format: 'onnx', inputs: [], outputs: [], metrics: {}, createdAt: '2025-01-01T00:00:00.000Z', size: v1.byteLength, sha256: sha256(v1) };
    await store.tamper('spam/versions/1/claim.json', Buffer.from('{}'));
    await store.tamper('spam/versions/1/model.onnx', v1);
    await store.tamper('spam/versions/1/meta.json', Buffer.from(JSON.stringify({ schemaVersion: 1, ...legacy })));

    expect(await registry.get('spam', 1)).toEqual(legacy);
    expect(sha256(fs.readFileSync((await cache.fetch('spam@1')).path))).toBe(sha256(v1));
    expect((await registry.push('spam', v2)).version).toBe(2);
    await registry.remove('spam', 1);
    expect((await store.contents()).filter((f) => f.path.startsWith('spam/versions/1/model'))).toEqual([]);
    expect((await registry.push('spam', v1)).version).toBe(3);
  });

  it('gives concurrent pushes of one name distinct version numbers', async () => {
    const pushed = await Promise.all([v1, v2, v1, v2, v1].map((bytes) => registry.push('spam', bytes)));

    expect(pushed.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await registry.versions('spam')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses to remove a version an alias points at or a revision uses, and never reuses its number', async () => {
    await registry.push('spam', v1, { alias: 'production' });
    await registry.push('spam', v2);

    expect(await codeOf(registry.remove('spam', 1))).toEqual({
      code: 'MODEL_VERSION_IN_USE',
      message: 'spam@1 cannot be removed: alias spam@production points at it; move or remove the alias first',
    });
    const inUse = (ref: { name: string; version: number }) => (ref.version === 2 ? ['spam-filter-00003'] : []);
    expect(await codeOf(registry.remove('spam', 2, { inUse }))).toEqual({
      code: 'MODEL_VERSION_IN_USE',
      message: 'spam@2 cannot be removed: it is in use by spam-filter-00003',
    });
    expect((await codeOf(registry.remove('spam', 2, { inUse: () => true }))).code).toBe('MODEL_VERSION_IN_USE');

    await registry.remove('spam', 2, { inUse: () => [] });
    expect(await codeOf(registry.get('spam', 2))).toEqual({ code: 'MODEL_NOT_FOUND', message: 'model spam has no version 2 (versions: 1)' });
    expect((await registry.resolve('spam')).version).toBe(1);
    expect((await registry.push('spam', v2)).version).toBe(3);
  });

  it('rejects a file that is not ONNX and creates no version', async () => {
    const error = await codeOf(registry.push('spam', Buffer.from('this is not an onnx model, just some text\n')));

    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('is not an ONNX model');
    expect((await codeOf(registry.versions('spam'))).code).toBe('MODEL_NOT_FOUND');
    expect((await codeOf(registry.push('Spam', v1))).code).toBe('MODEL_REF_INVALID');
  });

  it('fetches a verified copy into the content-addressed cache and re-uses it', async () => {
    await registry.push('spam', v1, { alias: 'production' });
    const fetched = await cache.fetch('spam@production');

    expect(fetched).toMatchObject({ name: 'spam', version: 1, sha256: sha256(v1) });
    expect(fetched.path).toBe(path.join(cacheDir, sha256(v1), 'model.onnx'));
    expect(sha256(fs.readFileSync(fetched.path))).toBe(sha256(v1));

    const inode = fs.statSync(fetched.path).ino;
    expect((await cache.fetch('spam@1')).path).toBe(fetched.path);
    expect(fs.statSync(fetched.path).ino).toBe(inode);
  });

  it('refetches a cached copy that was corrupted on local disk', async () => {
    await registry.push('spam', v1);
    const { path: local } = await cache.fetch('spam');
    fs.writeFileSync(local, Buffer.from('garbage'));

    await cache.fetch('spam');
    expect(sha256(fs.readFileSync(local))).toBe(sha256(v1));

    const flipped = Buffer.from(v1);
    flipped[10] = (flipped[10] ?? 0) ^ 0xff;
    const { mtime } = fs.statSync(local);
    fs.writeFileSync(local, flipped);
    fs.utimesSync(local, mtime, mtime);
    await cache.fetch('spam', { rehash: true });
    expect(sha256(fs.readFileSync(local))).toBe(sha256(v1));
  });

  it('refuses bytes changed in the store behind its back, naming both digests, and caches nothing', async () => {
    const pushed = await registry.push('spam', v1, { alias: 'production' });
    const corrupted = Buffer.from(v1);
    corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] ?? 0) ^ 0x01;
    const stored = (await store.contents()).filter((f) => !f.path.endsWith('.json'));
    expect(stored).toHaveLength(1);
    await store.tamper(stored[0]?.path ?? '', corrupted);

    const error = await codeOf(cache.fetch('spam@production'));
    expect(error.code).toBe('MODEL_DIGEST_MISMATCH');
    expect(error.message).toContain(`expected sha256 ${pushed.sha256}`);
    expect(error.message).toContain(`got sha256 ${sha256(corrupted)}`);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  it('tells its events of each verified copy and each digest mismatch, for the model metrics', async () => {
    const loaded: string[] = [];
    const mismatched: string[] = [];
    const events = { loaded: (m: { name: string; version: number }, ms: number) => loaded.push(`${m.name}@${m.version} ${ms >= 0}`), digestMismatch: (m: { name: string }) => mismatched.push(m.name) };
    const watched = new ModelCache({ dir: cacheDir, registry, events });
    await registry.push('spam', v1);
    await watched.fetch('spam@1');
    await watched.fetch('spam@1');
    expect(loaded).toEqual(['spam@1 true']);
    const stored = (await store.contents()).filter((f) => !f.path.endsWith('.json'));
    await store.tamper(stored[0]?.path ?? '', Buffer.from(v2));
    const elsewhere = new ModelCache({ dir: fs.mkdtempSync(path.join(root, 'cache-')), registry, events });
    expect((await codeOf(elsewhere.fetch('spam@1'))).code).toBe('MODEL_DIGEST_MISMATCH');
    expect(mismatched).toEqual(['spam']);
    expect(loaded).toHaveLength(1);
  });

  it('lists, reads, heads and deletes blobs by key prefix', async () => {
    const { backend } = store;
    await backend.put('a/x/1.bin', Buffer.from('one'));
    await backend.put('a/x/1.bin', Buffer.from('uno'));
    await backend.put('a/y.bin', Buffer.from('two'));
    await backend.put('b/z.bin', Buffer.from('three'));

    expect(await backend.list('a/')).toEqual(['a/x/1.bin', 'a/y.bin']);
    expect(await backend.list('a/x')).toEqual(['a/x/1.bin']);
    expect(Buffer.from((await backend.get('a/x/1.bin')) ?? []).toString()).toBe('uno');
    expect(await backend.head('b/z.bin')).toEqual({ size: 5 });
    expect(await backend.get('a/missing')).toBeUndefined();
    expect(await backend.head('a')).toBeUndefined();
    await backend.delete('a/y.bin');
    await backend.delete('a/y.bin');
    expect(await backend.list('')).toEqual(['a/x/1.bin', 'b/z.bin']);
    await expect(backend.get('../etc/passwd')).rejects.toMatchObject({ code: 'MODEL_REF_INVALID' });
  });

  it('shows nothing of a write whose source fails halfway', async () => {
    const { backend } = store;
    const failing = Readable.from(
      (function* () {
        yield Buffer.alloc(64 * 1024, 7);
        throw new Error('disk unplugged');
      })(),
    );

    await expect(backend.put('m/versions/1/model.onnx', { stream: failing, size: 128 * 1024 })).rejects.toThrow();
    expect(await backend.head('m/versions/1/model.onnx')).toBeUndefined();
    expect(await backend.list('')).toEqual([]);
  });
});

// A revision's models, from the reference a service declares to the verified
// copy its instances get: resolved once at creation, fetched and checked
// against the recorded digest before the first instance starts, and counted
// as in use while the revision could serve again. Real model store on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { buildAddModel } from '../models/fixtures/tiny-onnx-model.js';
import { FsBlobBackend, ModelCache, ModelRegistry } from '../models/index.js';
import { revisionsUsing } from './admin-routes-models.js';
import { FakeStateStore } from '../state/fake-state-store.js';
import { fetchRevisionModels } from './fetch-revision-models.js';
import { servicesFollowing } from './model-rollout.js';
import { resolveModels } from './resolve-models.js';
import type { RecordedModel } from './revision-spec.js';

let dir: string;
let registry: ModelRegistry;
let cache: ModelCache;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
  registry = new ModelRegistry({ backend: new FsBlobBackend(path.join(dir, 'store')) });
  cache = new ModelCache({ dir: path.join(dir, 'cache'), registry });
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function revisionSpec(models: Record<string, RecordedModel>) {
  return {
    artifact: { digest: 'sha256:abc', dir: '/srv', kind: 'node', env: {} },
    command: ['node', 'server.js'],
    env: {},
    models,
    scaling: { minInstances: 1, maxInstances: 1 },
    readiness: { path: '/healthz', timeoutSeconds: 5 },
    drainTimeoutSeconds: 1,
  };
}

async function failure(promise: Promise<unknown>): Promise<MlaasError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MlaasError);
  return err as MlaasError;
}

describe('a revision’s models', () => {
  it('records the version an alias means when the revision is created, not later', async () => {
    await registry.push('spam', buildAddModel(3), { alias: 'production' });
    const v2 = await registry.push('spam', buildAddModel(4));
    const recorded = await resolveModels(registry, { classifier: 'spam@production', latest: 'spam' });
    expect(recorded.classifier).toMatchObject({ ref: 'spam@production', name: 'spam', version: 1, format: 'onnx' });
    expect(recorded.latest).toEqual({ ref: 'spam', name: 'spam', version: 2, sha256: v2.sha256, format: 'onnx' });

    const missing = await failure(resolveModels(registry, { classifier: 'spam@staging' }));
    expect(missing.code).toBe('MODEL_NOT_FOUND');
    expect(missing.message).toBe('models.classifier: model spam has no alias staging (aliases: production)');
  });

  it('fetches each recorded version into the cache, where instanceSpecOf expects it', async () => {
    await registry.push('spam', buildAddModel(3), { alias: 'production' });
    const models = await resolveModels(registry, { classifier: 'spam@production' });
    const store = new FakeStateStore();
    const rev = store.createRevision('svc', revisionSpec(models));
    await fetchRevisionModels(rev, { registry, cache });
    const copy = cache.pathOf(models.classifier as RecordedModel);
    expect(fs.readFileSync(copy)).toEqual(Buffer.from(buildAddModel(3)));
  });

  it('refuses bytes or metadata changed behind the platform’s back, naming the digest mismatch', async () => {
    await registry.push('spam', buildAddModel(3), { alias: 'production' });
    const models = await resolveModels(registry, { classifier: 'spam@production' });
    const rev = new FakeStateStore().createRevision('svc', revisionSpec(models));
    const { blob } = JSON.parse(fs.readFileSync(path.join(dir, 'store', 'spam', 'versions', '1', 'meta.json'), 'utf8')) as { blob: string };
    fs.writeFileSync(path.join(dir, 'store', 'spam', blob), buildAddModel(5));
    const bytes = await failure(fetchRevisionModels(rev, { registry, cache }));
    expect(bytes.code).toBe('MODEL_DIGEST_MISMATCH');
    expect(bytes.message).toMatch(/^model classifier \(spam@1\): spam@1: digest mismatch: .*expected sha256 [0-9a-f]{64}/);

    // Bytes and meta.json rewritten together still differ from what the revision recorded.
    const metaFile = path.join(dir, 'store', 'spam', 'versions', '1', 'meta.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { sha256: string };
    fs.writeFileSync(metaFile, JSON.stringify({ ...meta, sha256: 'f'.repeat(64) }));
    const metaChanged = await failure(fetchRevisionModels(rev, { registry, cache }));
    expect(metaChanged.code).toBe('MODEL_DIGEST_MISMATCH');
    expect(metaChanged.message).toContain(`the revision recorded sha256 ${models.classifier?.sha256}`);
  });

  it('counts a version as in use by revisions that could serve again, and finds the services following an alias', async () => {
    const store = new FakeStateStore();
    const v1 = { ref: 'spam@production', name: 'spam', version: 1, sha256: 'a'.repeat(64), format: 'onnx' };
    const ready = store.createRevision('svc', revisionSpec({ classifier: v1 }));
    store.setRevisionState(ready.name, 'ready');
    const failed = store.createRevision('svc', revisionSpec({ classifier: v1 }));
    store.setRevisionState(failed.name, 'failed', 'digest mismatch');
    const retired = store.createRevision('svc', revisionSpec({ classifier: v1 }));
    store.setRevisionState(retired.name, 'retired', 'no traffic');
    const rollbackTarget = store.createRevision('svc', revisionSpec({ classifier: v1 }));
    store.markFullTraffic(rollbackTarget.name);
    store.setRevisionState(rollbackTarget.name, 'retired', 'no traffic');
    expect(revisionsUsing(store, 'spam', 1).map((r) => r.name)).toEqual([ready.name, rollbackTarget.name]);
    expect(revisionsUsing(store, 'spam', 2)).toEqual([]);

    store.upsertService('a', { models: { classifier: 'spam@production', other: 'spam@staging' } });
    store.upsertService('b', { models: { classifier: 'spam@3' } });
    store.upsertService('c', { command: ['x'] });
    expect(servicesFollowing(store, 'spam', 'production')).toEqual([{ service: 'a', keys: ['classifier'] }]);
  });
});

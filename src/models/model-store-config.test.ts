import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobBackend } from './fs-blob-backend.js';
import { createBlobBackend } from './create-blob-backend.js';
import { ModelStoreConfigSchema } from './model-store-config.js';
import { S3BlobBackend } from './s3-blob-backend.js';

const where = { baseDir: '/srv/app', stateDir: '/srv/app/.mlaas' };

describe('models.store in mlaas.yaml', () => {
  it('defaults the filesystem store to <stateDir>/models and resolves a dir against mlaas.yaml', () => {
    expect(createBlobBackend(ModelStoreConfigSchema.parse({ kind: 'fs' }), where).location).toBe(path.resolve('/srv/app/.mlaas/models'));
    const backend = createBlobBackend(ModelStoreConfigSchema.parse({ kind: 'fs', dir: 'shared/models' }), where);
    expect(backend).toBeInstanceOf(FsBlobBackend);
    expect(backend.location).toBe(path.resolve('/srv/app/shared/models'));
  });

  it('describes an S3-compatible bucket with a prefix', () => {
    const config = ModelStoreConfigSchema.parse({ kind: 's3', bucket: 'ml', prefix: '/team-a/models/', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    const backend = createBlobBackend(config, where);
    expect(backend).toBeInstanceOf(S3BlobBackend);
    expect(backend.location).toBe('s3://ml/team-a/models/ at http://127.0.0.1:9000');
    backend.close();
  });

  it('names the unknown key and the keys it expected', () => {
    const result = ModelStoreConfigSchema.safeParse({ kind: 's3', bucket: 'ml', accessKey: 'AKIA…' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('unknown key; expected one of: kind, bucket, prefix, endpoint, region, forcePathStyle');
  });
});

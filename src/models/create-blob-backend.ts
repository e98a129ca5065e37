/**
 * The blob backend a `models.store` section describes: a directory, or an
 * S3-compatible bucket. Apart from the schema, so that reading mlaas.yaml
 * (the CLI does, for `plan`) does not load the AWS SDK.
 */
import path from 'node:path';
import type { BlobBackend } from './blob-backend.js';
import { FsBlobBackend } from './fs-blob-backend.js';
import type { ModelStoreConfig } from './model-store-config.js';
import { S3BlobBackend } from './s3-blob-backend.js';

/**
 * The backend a `models.store` section describes; a relative fs `dir` is taken from `baseDir`.
 *
 * @example
 * const backend = createBlobBackend({ kind: 'fs' }, { baseDir: '/srv/app', stateDir: '/srv/app/.mlaas' });
 */
export function createBlobBackend(config: ModelStoreConfig, where: { baseDir: string; stateDir: string }): BlobBackend {
  if (config.kind === 'fs') {
    return new FsBlobBackend(config.dir === undefined ? path.join(where.stateDir, 'models') : path.resolve(where.baseDir, config.dir));
  }
  const { kind: _kind, ...options } = config;
  return new S3BlobBackend(options);
}

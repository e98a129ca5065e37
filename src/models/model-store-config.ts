/**
 * The `models.store` section of mlaas.yaml, which chooses where model versions
 * live, and the backend it describes. S3 credentials never sit in the file:
 * the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a
 * profile, an instance role) supplies them.
 */
import path from 'node:path';
import { z } from 'zod';
import { strictObject } from '../api/schema-fields.js';
import type { BlobBackend } from './blob-backend.js';
import { FsBlobBackend } from './fs-blob-backend.js';
import { S3BlobBackend } from './s3-blob-backend.js';

export const ModelStoreConfigSchema = z.discriminatedUnion('kind', [
  strictObject({
    kind: z.literal('fs'),
    dir: z.string().min(1).optional().describe('Directory of the store, relative to mlaas.yaml; default <stateDir>/models.'),
  }),
  strictObject({
    kind: z.literal('s3'),
    bucket: z.string().min(1).describe('Bucket name.'),
    prefix: z.string().optional().describe('Key prefix inside the bucket, so that several stores can share it.'),
    endpoint: z.url().optional().describe('Endpoint URL for MinIO, R2 or GCS (https://storage.googleapis.com); omit for AWS S3.'),
    region: z.string().min(1).optional().describe('Default us-east-1.'),
    forcePathStyle: z.boolean().optional().describe('host/bucket/key addressing, which MinIO needs.'),
  }),
]);

export type ModelStoreConfig = z.infer<typeof ModelStoreConfigSchema>;

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

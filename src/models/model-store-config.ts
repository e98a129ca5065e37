/**
 * The `models.store` section of mlaas.yaml, which chooses where model versions
 * live (create-blob-backend.ts makes the backend it describes). S3
 * credentials never sit in the file: the AWS SDK's default chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role)
 * supplies them.
 */
import { z } from 'zod';
import { strictObject } from '../api/schema-fields.js';

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

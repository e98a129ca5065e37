/**
 * The model store: immutable, digest-verified model versions with aliases, on
 * a local directory or an S3-compatible bucket, and the local cache the
 * runtime serves them from.
 */
export { assertBlobKey, type BlobBackend, type BlobBody, type BlobInfo } from './blob-backend.js';
export { FsBlobBackend } from './fs-blob-backend.js';
export { S3BlobBackend, type S3BlobBackendOptions } from './s3-blob-backend.js';
export { createBlobBackend } from './create-blob-backend.js';
export { ModelStoreConfigSchema, type ModelStoreConfig } from './model-store-config.js';
export {
  ModelRegistry,
  type AliasChange,
  type InUseCheck,
  type ModelSummary,
  type PushOptions,
} from './model-registry.js';
export { ModelCache, type CachedModel, type FetchOptions } from './model-cache.js';
export {
  assertAliasName,
  assertModelName,
  formatModelRef,
  LATEST,
  MODEL_ALIAS,
  MODEL_NAME,
  parseModelRef,
  type ModelRef,
} from './model-ref.js';
export { type ModelVersion, type TensorSpec } from './model-version.js';
export { readOnnxSignature, v2Datatype, type OnnxSignature } from './onnx-signature.js';
export { seedModels, type ModelSeed, type SeedResult } from './seed-models.js';

/**
 * Source packaging and artifact building: `packSource` turns a service
 * directory into a content-addressed archive, `ArtifactStore` keeps it and
 * builds it into an immutable directory an instance runs from.
 */
export { listPackedFiles, packSource, IGNORE_FILE } from './pack-source.js';
export type { PackedSource, PackOptions } from './pack-source.js';
export { LARGE_FILE_BYTES, SECRET_FILES } from './list-source.js';
export type { ListSourceOptions } from './list-source.js';
export { ArtifactStore, defaultCacheDir, detectKind } from './artifact-store.js';
export type { ArtifactKind, ArtifactStoreOptions, BuiltArtifact } from './artifact-store.js';
export type { BuildProgress, BuildStep } from './build-progress.js';
export { compileIgnoreRules, compileReincludeRules, DEFAULT_IGNORES } from './ignore-rules.js';
export type { IgnoreMatcher } from './ignore-rules.js';

/**
 * The storage the model registry sits on: a flat namespace of keys
 * (`spam/versions/3/meta.json`) holding immutable-once-written byte objects.
 * Two implementations: a local directory (default) and an S3-compatible bucket.
 * Keys are `/`-separated segments of [A-Za-z0-9._-] that never start with a dot,
 * so both backends can map them one-to-one to paths and object names.
 */
import type { Readable } from 'node:stream';
import { MlaasError } from '../errors.js';

/** What `put` accepts: bytes, or a stream whose length is known in advance. */
export type BlobBody = Uint8Array | { stream: Readable; size: number };

export interface BlobInfo {
  size: number;
}

export interface BlobBackend {
  /** Where the blobs live, for messages: `/srv/.mlaas/models` or `s3://models/team-a/`. */
  readonly location: string;
  /** Writes `key`, replacing what was there; readers see the old or the new bytes, never a mix. */
  put(key: string, body: BlobBody): Promise<void>;
  /**
   * Writes `key` only if it does not exist yet; answers false (and writes
   * nothing) when it does. The check and the write are one atomic step, so
   * that two writers racing for the same key get one true and one false.
   */
  putIfAbsent(key: string, body: Uint8Array): Promise<boolean>;
  /** The bytes of `key`, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** A stream of `key`'s bytes, or undefined when there is no such key. */
  getStream(key: string): Promise<Readable | undefined>;
  head(key: string): Promise<BlobInfo | undefined>;
  /** Every key that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections; the backend is unusable afterwards. */
  close(): void;
}

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Throws unless `key` is a well-formed blob key (guards both backends against `..` and absolute paths). */
export function assertBlobKey(key: string): void {
  const bad = key.split('/').find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    throw new MlaasError('MODEL_REF_INVALID', `blob key ${JSON.stringify(key)}: segment ${JSON.stringify(bad)} is not [A-Za-z0-9._-]+ without a leading dot`);
  }
}

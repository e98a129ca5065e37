/**
 * What the store knows about one model version: its `meta.json`, which also
 * names where its bytes are, and the schema that reads it back (it crosses a
 * process boundary: another mlaas, or another team's, may have written it).
 */
import { z } from 'zod';

/** One input or output of a model, in the Open Inference Protocol's terms. */
export interface TensorSpec {
  name: string;
  /** V2 datatype (`FP32`, `INT64`, `BYTES`, …); non-tensor ONNX values read like `seq(map(INT64,FP32))`. */
  datatype: string;
  /** Dimension sizes; -1 where the model leaves a dimension open. */
  shape: number[];
  /** Present when the model names open dimensions: the names, aligned with `shape` (null where unnamed). */
  dimNames?: (string | null)[];
  /** True when the model does not fix the rank at all; `shape` is then empty and checks nothing. */
  anyRank?: boolean;
}

/** An immutable, digest-addressed model version. */
export interface ModelVersion {
  name: string;
  /** 1, 2, 3, … per name; never reused, even after a version is removed. */
  version: number;
  /** `onnx`, or whatever the pusher declared; also the extension of the stored file. */
  format: string;
  framework?: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Free-form `key=value` pairs given at push time (accuracy, dataset, commit, …). */
  metrics: Record<string, string>;
  /** ISO 8601. */
  createdAt: string;
  /** Bytes. */
  size: number;
  /** Lower-case hex sha256 of the bytes. */
  sha256: string;
}

/**
 * The layout version of meta.json, so that a later mlaas can read an older
 * store: 1 kept the bytes beside it (`model.<format>`), 2 names them (`blob`).
 */
export const META_SCHEMA_VERSION = 2;

/** Where a version's bytes are, relative to its model's folder: `blobs/<id>.<format>`. */
const BLOB = /^blobs\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

const tensorSpec = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.int()),
  dimNames: z.array(z.string().nullable()).optional(),
  anyRank: z.boolean().optional(),
});

const metaSchema = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(META_SCHEMA_VERSION)]),
  blob: z.string().regex(BLOB).optional(),
  name: z.string(),
  version: z.int().positive(),
  format: z.string(),
  framework: z.string().optional(),
  inputs: z.array(tensorSpec),
  outputs: z.array(tensorSpec),
  metrics: z.record(z.string(), z.string()),
  createdAt: z.string(),
  size: z.int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A meta.json as read: the version, and the blob of its bytes (undefined: the layout-1 `model.<format>` beside it). */
export interface StoredMeta {
  version: ModelVersion;
  blob: string | undefined;
}

/** The meta.json bytes for a version whose bytes are `blob`. */
export function encodeMeta(version: ModelVersion, blob: string): Uint8Array {
  return Buffer.from(`${JSON.stringify({ schemaVersion: META_SCHEMA_VERSION, blob, ...version }, null, 2)}\n`);
}

/** Reads meta.json; answers the problems (with field paths) when it is not one. */
export function decodeMeta(bytes: Uint8Array): StoredMeta | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  const parsed = metaSchema.safeParse(json);
  if (!parsed.success) {
    return { problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  }
  const { schemaVersion, blob, ...version } = parsed.data;
  if (schemaVersion === META_SCHEMA_VERSION && blob === undefined) return { problem: 'blob: expected where the bytes are, got nothing' };
  return { version, blob };
}

/**
 * Turns a service's model references (`spam@production`) into the versions a
 * new revision records, once, when the revision is created: a later alias
 * move makes a new revision rather than changing what a running one serves.
 */
import { MlaasError } from '../errors.js';
import type { ModelVersion } from '../models/index.js';
import type { RecordedModel } from './revision-spec.js';

/** What a revision records of the version a reference means. */
export type ResolvedVersion = Pick<ModelVersion, 'name' | 'version' | 'sha256' | 'format'>;

/** What resolving needs of the model registry. */
export interface ModelResolver {
  resolve(ref: string): Promise<ResolvedVersion>;
}

/**
 * @throws MlaasError MODEL_NOT_FOUND (or the registry's error) naming the service's model key;
 *   MODEL_INVALID when `onnxOnly` and a model is not ONNX.
 * @example
 * await resolveModels(registry, { classifier: 'spam@production' }) // { classifier: { ref, name: 'spam', version: 3, sha256, format: 'onnx' } }
 */
export async function resolveModels(
  resolver: ModelResolver | undefined,
  declared: Record<string, string>,
  options: { onnxOnly?: boolean } = {},
): Promise<Record<string, RecordedModel>> {
  const recorded: Record<string, RecordedModel> = {};
  for (const [key, ref] of Object.entries(declared)) {
    if (resolver === undefined) throw new MlaasError('MODEL_NOT_FOUND', `models.${key}: ${ref} cannot be resolved: this platform has no model store`);
    let version: ResolvedVersion;
    try {
      version = await resolver.resolve(ref);
    } catch (err) {
      if (err instanceof MlaasError) throw new MlaasError(err.code, `models.${key}: ${err.message}`, { cause: err });
      throw err;
    }
    if (options.onnxOnly === true && version.format !== 'onnx') {
      throw new MlaasError('MODEL_INVALID', `models.${key}: ${ref} is ${version.name}@${version.version} in format ${version.format}; runtime: onnx serves only onnx models`);
    }
    recorded[key] = { ref, name: version.name, version: version.version, sha256: version.sha256, format: version.format };
  }
  return recorded;
}

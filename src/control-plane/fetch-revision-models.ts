/**
 * The reconciler's prepare phase for models: every version a revision
 * recorded is copied into the local cache and checked against the digest the
 * revision recorded — not against whatever meta.json says now, since the
 * store may have been changed behind the platform's back.
 */
import { MlaasError } from '../errors.js';
import type { ModelCache, ModelRegistry } from '../models/index.js';
import { parseRevisionSpec } from './revision-spec.js';
import type { RevisionRecord } from '../state/state-store.js';

/**
 * @throws MlaasError MODEL_DIGEST_MISMATCH (the bytes, or the version's metadata, are not what the revision
 *   recorded), MODEL_NOT_FOUND (the version is gone) or MODEL_STORE_FAILED; each names the model.
 */
export async function fetchRevisionModels(rev: RevisionRecord, deps: { registry: ModelRegistry; cache: ModelCache }): Promise<void> {
  for (const [key, recorded] of Object.entries(parseRevisionSpec(rev).models)) {
    const where = `model ${key} (${recorded.name}@${recorded.version})`;
    try {
      const version = await deps.registry.get(recorded.name, recorded.version);
      if (version.sha256 !== recorded.sha256) {
        throw new MlaasError(
          'MODEL_DIGEST_MISMATCH',
          `digest mismatch: ${deps.registry.backend.location} now describes it as sha256 ${version.sha256}, the revision recorded sha256 ${recorded.sha256}`,
        );
      }
      await deps.cache.fetch(version);
    } catch (err) {
      if (err instanceof MlaasError) throw new MlaasError(err.code, `${where}: ${err.message}`, { cause: err });
      throw err;
    }
  }
}

/**
 * How a plan resolves a service's model references when some are still to be
 * pushed by `models.seed` in the same apply (an apply seeds aliases before it
 * deploys services): a reference the store cannot resolve yet, whose
 * `name@alias` a seed will create, means the version that push will make —
 * the seed file's digest and format, the model's next number. So `mlaas init
 * --template onnx` followed by `mlaas apply` against a running platform
 * plans and serves, as `mlaas up` does. The deploy itself resolves against
 * the store, after the seed.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MlaasError } from '../errors.js';
import { parseModelRef, type ModelRegistry, type ModelSeed } from '../models/index.js';
import type { ModelResolver, ResolvedVersion } from './resolve-models.js';

/**
 * @example
 * await resolveModels(seededModelResolver(registry, config.models.seed), { clf: 'clf@production' });
 * // { clf: { ref: 'clf@production', name: 'clf', version: 1, sha256: '…', format: 'onnx' } } before the seed is pushed
 */
export function seededModelResolver(registry: ModelRegistry, seeds: Readonly<Record<string, ModelSeed>>): ModelResolver {
  return {
    async resolve(ref: string): Promise<ResolvedVersion> {
      try {
        return await registry.resolve(ref);
      } catch (err) {
        const parsed = parseModelRef(ref);
        const seed = seeds[parsed.name];
        if (!(err instanceof MlaasError) || err.code !== 'MODEL_NOT_FOUND' || seed === undefined) throw err;
        if (parsed.kind !== 'alias' || parsed.alias !== seed.alias) throw err;
        const bytes = await readFile(seed.file).catch((cause: unknown) => {
          throw new MlaasError('MODEL_NOT_FOUND', `${ref}: not in the store yet, and models.seed.${parsed.name}.file cannot be read: ${(cause as Error).message}`, { cause });
        });
        // The number the push takes: one past the newest (removed numbers are never reused, which only the push sees).
        const versions = await registry.versions(parsed.name).catch(() => []);
        return {
          name: parsed.name,
          version: (versions.at(-1)?.version ?? 0) + 1,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          // As the push names it: by the file's extension.
          format: path.extname(seed.file).slice(1).toLowerCase(),
        };
      }
    },
  };
}

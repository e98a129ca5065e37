/**
 * `models.seed` in mlaas.yaml: model files pushed at start-up when their
 * alias does not exist yet, so that a fresh checkout serves at once. An alias
 * that exists is left where it points — a later push or alias move wins.
 */
import { MlaasError } from '../errors.js';
import type { ModelRegistry } from './model-registry.js';

export interface ModelSeed {
  /** Absolute path of the model file. */
  file: string;
  alias: string;
  metrics?: Record<string, string>;
}

export interface SeedResult {
  name: string;
  alias: string;
  version: number;
  /** False when the alias existed and nothing was pushed. */
  pushed: boolean;
}

/**
 * Pushes each seed whose alias is missing, in order.
 *
 * @throws MlaasError of the failed push, its detail prefixed with the seed's field path (`models.seed.spam.file: …`).
 * @example
 * await seedModels(registry, { spam: { file: '/app/spam.onnx', alias: 'production' } })
 * // [{ name: 'spam', alias: 'production', version: 1, pushed: true }]
 */
export async function seedModels(registry: ModelRegistry, seeds: Record<string, ModelSeed>): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  for (const [name, seed] of Object.entries(seeds)) {
    const current = (await registry.aliases(name))[seed.alias];
    if (current !== undefined) {
      results.push({ name, alias: seed.alias, version: current, pushed: false });
      continue;
    }
    let pushed;
    try {
      pushed = await registry.push(name, seed.file, { alias: seed.alias, metadata: { metrics: { ...seed.metrics, seededFrom: seed.file } } });
    } catch (err) {
      // The registry names the file; the operator needs the line of mlaas.yaml that named it.
      if (err instanceof MlaasError) throw new MlaasError(err.code, `models.seed.${name}.file: ${err.message}`, { cause: err });
      throw err;
    }
    results.push({ name, alias: seed.alias, version: pushed.version, pushed: true });
  }
  return results;
}

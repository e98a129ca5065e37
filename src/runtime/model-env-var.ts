/**
 * The name of the environment variable that tells an instance where a model
 * lives: the runtime sets it, the SDK reads it, so both use this one mapping.
 */

/**
 * `MLAAS_MODEL_<NAME>`: the model name upper-cased, every character outside
 * `A-Z0-9` turned into `_`.
 *
 * @example
 * modelEnvVar('spam-filter'); // 'MLAAS_MODEL_SPAM_FILTER'
 */
export function modelEnvVar(modelName: string): string {
  return `MLAAS_MODEL_${modelName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

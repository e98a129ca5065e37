/**
 * Where the runtime put a model this revision declares. The runtime passes
 * each one as `MLAAS_MODEL_<NAME>`: the path of a digest-verified local copy.
 */

/** The environment variable that carries model `name`: `spam-clf` → `MLAAS_MODEL_SPAM_CLF`. */
export function modelEnvName(name: string): string {
  return `MLAAS_MODEL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The local path of model `name`.
 *
 * @example
 * const session = await InferenceSession.create(modelPath('classifier')); // MLAAS_MODEL_CLASSIFIER
 * @throws Error naming the variable when it is not set.
 */
export function modelPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const variable = modelEnvName(name);
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new Error(
      `model "${name}": environment variable ${variable} is not set; ` +
        `declare the model in the service's mlaas.yaml entry, or set ${variable} to a model file to run the service alone`,
    );
  }
  return value;
}

/**
 * The environment an instance starts with. Like a Cloud Run container, it
 * gets a clean one: the few variables every program expects (PATH, HOME,
 * LANG, TZ), the names its service lists in `env.inherit`, the service's own
 * `env`, and what the platform sets (PORT, Knative's K_* names, MLAAS_*).
 * Nothing else of the platform's environment — cloud credentials, tokens,
 * database URLs — reaches a service unless mlaas.yaml says so.
 */
import { modelEnvVar } from './model-env-var.js';

/** What every instance gets from the platform's environment when it is set there. */
export const ALWAYS_INHERITED: readonly string[] = ['PATH', 'HOME', 'LANG', 'TZ'];

export interface InstanceEnvironmentInput {
  /** The platform's environment, to pick `ALWAYS_INHERITED` and `inherit` from. */
  base: NodeJS.ProcessEnv;
  /** Names of the platform's variables the service asked for (`env.inherit`). */
  inherit: readonly string[];
  /** The service's own variables (mlaas.yaml `env`, the artifact's PATH and VIRTUAL_ENV). */
  env: Readonly<Record<string, string>>;
  port: number;
  service: string;
  revision: string | undefined;
  instanceId: string;
  /** Model name → absolute path of its verified local copy. */
  models: Readonly<Record<string, string>>;
  drainTimeoutMs: number;
  /** Platform-only marks (the owner mark orphan reaping looks for). */
  marks?: Readonly<Record<string, string>> | undefined;
}

/**
 * @example
 * instanceEnvironment({ base: process.env, inherit: ['AWS_REGION'], env: { LOG_LEVEL: 'debug' }, port: 41234,
 *   service: 'spam', revision: 'spam-00001', instanceId: 'spam-00001-ab12', models: {}, drainTimeoutMs: 10_000 });
 * // { PATH, HOME, LANG, TZ, AWS_REGION, LOG_LEVEL, PORT: '41234', K_SERVICE: 'spam', K_REVISION: 'spam-00001', … }
 */
export function instanceEnvironment(input: InstanceEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...ALWAYS_INHERITED, ...input.inherit]) {
    const value = input.base[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, input.env);
  env['PORT'] = String(input.port);
  // Knative's (and Cloud Run's) names, so a service that reads them runs unchanged on either.
  env['K_SERVICE'] = input.service;
  if (input.revision !== undefined) {
    env['K_REVISION'] = input.revision;
    env['K_CONFIGURATION'] = input.service;
  }
  for (const [name, file] of Object.entries(input.models)) env[modelEnvVar(name)] = file;
  env['MLAAS_SERVICE'] = input.service;
  if (input.revision !== undefined) env['MLAAS_REVISION'] = input.revision;
  env['MLAAS_INSTANCE'] = input.instanceId;
  env['MLAAS_DRAIN_TIMEOUT_MS'] = String(input.drainTimeoutMs);
  Object.assign(env, input.marks);
  return env;
}

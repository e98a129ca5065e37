/**
 * How many gateway processes `mlaas up` runs (`gateway.workers`): the
 * setting when mlaas.yaml has one, else `$MLAAS_GATEWAY_WORKERS` (as
 * WEB_CONCURRENCY is for gunicorn and Puma: the test suite sets it to 1 so
 * that tests which do not test workers start one process), else one per core.
 */
import { availableParallelism } from 'node:os';
import { MlaasError } from '../errors.js';

export const GATEWAY_WORKERS_ENV = 'MLAAS_GATEWAY_WORKERS';

export function gatewayWorkerCount(
  setting: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cores: () => number = availableParallelism,
): number {
  if (setting !== undefined) return setting;
  const fromEnv = env[GATEWAY_WORKERS_ENV];
  if (fromEnv === undefined || fromEnv === '') return cores();
  const n = Number(fromEnv);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new MlaasError('CONFIG_INVALID', `${GATEWAY_WORKERS_ENV}: must be a whole number from 1 to 256, got ${JSON.stringify(fromEnv)}`);
  }
  return n;
}

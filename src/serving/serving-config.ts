/**
 * The ONNX server's settings, read once from its environment at start-up and
 * then frozen. The runtime starts it like any instance: `PORT`,
 * `MLAAS_SERVICE` and one `MLAAS_MODEL_<NAME>` per model; the `MLAAS_ONNX_*`
 * variables tune batching and threads, `MLAAS_LISTEN_HOST` (default 127.0.0.1)
 * the address it listens on.
 */
import { MlaasError, type FieldIssue } from '../errors.js';

export interface ServedModel {
  /** `MLAAS_MODEL_SPAM_CLF` → `spam_clf`: the variable's suffix lower-cased (mlaas.yaml model names are `[a-z][a-z0-9_]*`). */
  name: string;
  path: string;
  /** The version answered in metadata and accepted in `/versions/{v}` (MLAAS_ONNX_VERSION_<NAME>, default `1`). */
  version: string;
}

export interface ServingConfig {
  host: string;
  port: number;
  service: string;
  models: ServedModel[];
  /** False when MLAAS_ONNX_BATCHING=0: every request runs alone. */
  batching: boolean;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** Requests waiting per model beyond which the server answers 503. */
  maxQueueLength: number;
  /** Worker threads, each holding a session of every model. */
  workers: number;
  /** onnxruntime's intra-op threads per session; 1 leaves the other cores to HTTP and the other workers. */
  intraOpThreads: number;
  maxBodyBytes: number;
  drainTimeoutMs: number;
  /** Padding value of an input's last dimension, by the input name as its env variable spells it (`MLAAS_ONNX_PAD_<INPUT>`). */
  paddingByEnvName: ReadonlyMap<string, number>;
}

const MODEL_PREFIX = 'MLAAS_MODEL_';
const VERSION_PREFIX = 'MLAAS_ONNX_VERSION_';
const PAD_PREFIX = 'MLAAS_ONNX_PAD_';

/** The env spelling of a name: upper-cased, every character outside `A-Z0-9` turned into `_`. */
export function envNameOf(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Reads and checks the whole environment, reporting every bad variable at once.
 *
 * @throws MlaasError CONFIG_INVALID listing each bad variable.
 */
export function readServingConfig(env: NodeJS.ProcessEnv): ServingConfig {
  const errors: FieldIssue[] = [];
  const whole = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      errors.push({ path: name, message: `expected a whole number ≥ ${min}, got "${raw}"` });
      return fallback;
    }
    return value;
  };

  const models: ServedModel[] = [];
  const paddingByEnvName = new Map<string, number>();
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(MODEL_PREFIX) && key.length > MODEL_PREFIX.length && value !== undefined && value !== '') {
      const suffix = key.slice(MODEL_PREFIX.length);
      models.push({ name: suffix.toLowerCase(), path: value, version: env[VERSION_PREFIX + suffix] || '1' });
    } else if (key.startsWith(PAD_PREFIX) && value !== undefined) {
      const pad = Number(value);
      if (value.trim() === '' || !Number.isFinite(pad)) errors.push({ path: key, message: `expected a number, got "${value}"` });
      else paddingByEnvName.set(key.slice(PAD_PREFIX.length), pad);
    }
  }
  if (models.length === 0) {
    errors.push({ path: `${MODEL_PREFIX}<NAME>`, message: 'expected at least one model file, got none' });
  }
  const batchingRaw = env['MLAAS_ONNX_BATCHING'] ?? '1';
  if (batchingRaw !== '0' && batchingRaw !== '1') {
    errors.push({ path: 'MLAAS_ONNX_BATCHING', message: `expected 0 or 1, got "${batchingRaw}"` });
  }
  const config: ServingConfig = {
    // 127.0.0.1 behind mlaas's own gateway; a container image sets 0.0.0.0 so that Knative's queue-proxy reaches it.
    host: env['MLAAS_LISTEN_HOST'] || '127.0.0.1',
    port: whole('PORT', 8080, 0),
    service: env['MLAAS_SERVICE'] || 'onnx',
    models: models.sort((a, b) => a.name.localeCompare(b.name)),
    batching: batchingRaw !== '0',
    maxBatchSize: whole('MLAAS_ONNX_MAX_BATCH_SIZE', 32, 1),
    maxQueueDelayMs: whole('MLAAS_ONNX_MAX_QUEUE_DELAY_MS', 2, 0),
    maxQueueLength: whole('MLAAS_ONNX_MAX_QUEUE', 1024, 1),
    workers: whole('MLAAS_ONNX_WORKERS', 1, 1),
    intraOpThreads: whole('MLAAS_ONNX_INTRA_OP_THREADS', 1, 1),
    maxBodyBytes: whole('MLAAS_ONNX_MAX_BODY_BYTES', 16 * 1024 * 1024, 1),
    drainTimeoutMs: whole('MLAAS_DRAIN_TIMEOUT_MS', 10_000, 0),
    paddingByEnvName,
  };
  if (errors.length > 0) {
    throw new MlaasError('CONFIG_INVALID', `ONNX server environment has ${errors.length} error(s)`, { errors });
  }
  return Object.freeze(config);
}

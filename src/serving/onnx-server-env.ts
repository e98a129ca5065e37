/**
 * The other side of `readServingConfig`: the environment the runtime gives a
 * `runtime: onnx` instance for a service's `onnx:` settings and its models,
 * so that what mlaas.yaml says and what the server reads share one spelling.
 */
import { envNameOf } from './serving-config.js';

export interface OnnxServerSettings {
  batching: boolean;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  workers: number;
  /** Input name → right-pad value of its last dimension. */
  padding: Record<string, number>;
}

/**
 * `MLAAS_ONNX_*` variables; `versions` (model name → store version) becomes
 * `MLAAS_ONNX_VERSION_<NAME>`, the version V2 metadata and infer answers report.
 *
 * @example
 * onnxServerEnv({ batching: true, maxBatchSize: 32, maxQueueDelayMs: 2, workers: 1, padding: { indices: 0 } }, { classifier: 3 })
 * // { MLAAS_ONNX_BATCHING: '1', …, MLAAS_ONNX_PAD_INDICES: '0', MLAAS_ONNX_VERSION_CLASSIFIER: '3' }
 */
export function onnxServerEnv(settings: OnnxServerSettings | undefined, versions: Record<string, number>): Record<string, string> {
  const env: Record<string, string> = {};
  if (settings !== undefined) {
    env['MLAAS_ONNX_BATCHING'] = settings.batching ? '1' : '0';
    env['MLAAS_ONNX_MAX_BATCH_SIZE'] = String(settings.maxBatchSize);
    env['MLAAS_ONNX_MAX_QUEUE_DELAY_MS'] = String(settings.maxQueueDelayMs);
    env['MLAAS_ONNX_WORKERS'] = String(settings.workers);
    for (const [input, value] of Object.entries(settings.padding)) env[`MLAAS_ONNX_PAD_${envNameOf(input)}`] = String(value);
  }
  for (const [name, version] of Object.entries(versions)) env[`MLAAS_ONNX_VERSION_${envNameOf(name)}`] = String(version);
  return env;
}

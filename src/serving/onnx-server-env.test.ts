import { describe, expect, it } from 'vitest';
import { onnxServerEnv } from './onnx-server-env.js';
import { readServingConfig } from './serving-config.js';

describe('onnxServerEnv', () => {
  it('is read back by the server as the settings and versions it was given', () => {
    const env = onnxServerEnv(
      { batching: false, maxBatchSize: 8, maxQueueDelayMs: 5, workers: 2, padding: { indices: 0 } },
      { classifier: 4 },
    );
    const config = readServingConfig({ ...env, PORT: '0', MLAAS_MODEL_CLASSIFIER: '/models/spam.onnx' });
    expect(config).toMatchObject({ batching: false, maxBatchSize: 8, maxQueueDelayMs: 5, workers: 2 });
    expect(config.models).toEqual([{ name: 'classifier', path: '/models/spam.onnx', version: '4' }]);
    expect(config.paddingByEnvName.get('INDICES')).toBe(0);
  });

  it('leaves the server defaults alone when the service has no onnx settings', () => {
    expect(onnxServerEnv(undefined, { spam: 1 })).toEqual({ MLAAS_ONNX_VERSION_SPAM: '1' });
  });
});

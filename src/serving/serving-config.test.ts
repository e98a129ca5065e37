import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { readServingConfig } from './serving-config.js';

describe('readServingConfig', () => {
  it('serves every MLAAS_MODEL_<NAME> under its lower-cased name, the inverse of the runtime mapping', () => {
    const config = readServingConfig({
      PORT: '9000',
      MLAAS_MODEL_SPAM_CLF: '/models/spam.onnx',
      MLAAS_MODEL_CLASSIFIER: '/models/c.onnx',
      MLAAS_ONNX_VERSION_CLASSIFIER: '4',
    });
    expect(config.port).toBe(9000);
    expect(config.models).toEqual([
      { name: 'classifier', path: '/models/c.onnx', version: '4' },
      { name: 'spam_clf', path: '/models/spam.onnx', version: '1' },
    ]);
  });

  it('defaults to batching on, 32 rows, 2 ms, one worker; MLAAS_ONNX_BATCHING=0 turns batching off', () => {
    const on = readServingConfig({ MLAAS_MODEL_M: '/m.onnx' });
    expect([on.batching, on.maxBatchSize, on.maxQueueDelayMs, on.workers]).toEqual([true, 32, 2, 1]);
    expect(readServingConfig({ MLAAS_MODEL_M: '/m.onnx', MLAAS_ONNX_BATCHING: '0' }).batching).toBe(false);
  });

  it('listens on 127.0.0.1 unless MLAAS_LISTEN_HOST names another address (0.0.0.0 in a container image)', () => {
    expect(readServingConfig({ MLAAS_MODEL_M: '/m.onnx' }).host).toBe('127.0.0.1');
    expect(readServingConfig({ MLAAS_MODEL_M: '/m.onnx', MLAAS_LISTEN_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('reads padding values by the input name as an env variable spells it', () => {
    const config = readServingConfig({ MLAAS_MODEL_M: '/m.onnx', MLAAS_ONNX_PAD_INPUT_IDS: '0' });
    expect([...config.paddingByEnvName]).toEqual([['INPUT_IDS', 0]]);
  });

  it('reports every bad variable at once, each by name', () => {
    let caught: unknown;
    try {
      readServingConfig({ MLAAS_ONNX_WORKERS: '0', MLAAS_ONNX_PAD_X: 'none', MLAAS_ONNX_BATCHING: 'yes' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MlaasError);
    expect((caught as MlaasError).errors?.map((e) => e.path).sort()).toEqual([
      'MLAAS_MODEL_<NAME>',
      'MLAAS_ONNX_BATCHING',
      'MLAAS_ONNX_PAD_X',
      'MLAAS_ONNX_WORKERS',
    ]);
  });
});

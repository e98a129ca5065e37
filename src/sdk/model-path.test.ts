import { describe, expect, it } from 'vitest';
import { modelEnvName, modelPath } from './model-path.js';

describe('modelPath', () => {
  it('reads MLAAS_MODEL_<NAME>, upper-casing the name and turning other characters into _', () => {
    expect(modelEnvName('spam-clf.v2')).toBe('MLAAS_MODEL_SPAM_CLF_V2');
    expect(modelPath('classifier', { MLAAS_MODEL_CLASSIFIER: '/m/spam.onnx' })).toBe('/m/spam.onnx');
  });

  it('throws an error naming the variable when it is not set', () => {
    expect(() => modelPath('classifier', {})).toThrow(/MLAAS_MODEL_CLASSIFIER is not set/);
  });
});

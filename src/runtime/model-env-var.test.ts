import { describe, expect, it } from 'vitest';
import { modelEnvVar } from './model-env-var.js';

describe('modelEnvVar', () => {
  it('upper-cases the model name and turns other characters into underscores', () => {
    expect(modelEnvVar('spam')).toBe('MLAAS_MODEL_SPAM');
    expect(modelEnvVar('spam-filter.v2')).toBe('MLAAS_MODEL_SPAM_FILTER_V2');
  });
});

import ort from 'onnxruntime-node';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { identityModel, isOnnxRuntime, warmUpOnnxRuntime } from './onnx-runtime-warm-up.js';

describe('the ONNX Runtime warm-up of a pooled runtime', () => {
  it('encodes a model that ONNX Runtime loads and runs: y = x', async () => {
    const session = await ort.InferenceSession.create(identityModel());
    try {
      expect(session.inputNames).toEqual(['x']);
      expect(session.outputNames).toEqual(['y']);
      const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from([7]), [1]) });
      expect(Array.from(y?.data as Float32Array)).toEqual([7]);
    } finally {
      await session.release();
    }
  });

  it('warms up ONNX Runtime itself and nothing else a host preloads', async () => {
    expect(isOnnxRuntime(ort)).toBe(true);
    expect(isOnnxRuntime(z)).toBe(false);
    expect(isOnnxRuntime(undefined)).toBe(false);
    expect(await warmUpOnnxRuntime(ort)).toBe(true);
  });

  it('never fails the pooled process: a runtime that cannot load the model is left for the service to find out', async () => {
    const broken = { InferenceSession: { create: () => Promise.reject(new Error('no CPU provider')) } };
    expect(await warmUpOnnxRuntime(broken)).toBe(false);
  });
});

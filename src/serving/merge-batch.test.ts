import { describe, expect, it } from 'vitest';
import { batchKey, mergeBatch, splitBatch } from './merge-batch.js';
import { modelSignature } from './model-signature.js';
import { validateInferRequest } from './validate-infer-request.js';

const signature = modelSignature(
  {
    inputs: [{ name: 'ids', type: 'int64', shape: ['batch', 'tokens'] }],
    outputs: [{ name: 'score', type: 'float32', shape: ['batch'] }],
    metadata: {},
  },
  { name: 'm', version: '1', padding: new Map([['ids', 0]]) },
);

const request = (rows: number[][]) =>
  validateInferRequest({ inputs: [{ name: 'ids', datatype: 'INT64', shape: [rows.length, rows[0]?.length ?? 0], data: rows.flat() }] }, signature);

describe('mergeBatch and splitBatch', () => {
  it('right-pads the padded input to the longest request and gives each request back its own rows', () => {
    const a = request([[1, 2]]);
    const b = request([[3, 4, 5], [6, 7, 8]]);
    expect(batchKey(signature, a)).toBe(batchKey(signature, b));
    const feeds = mergeBatch(signature, [a, b]);
    expect(feeds['ids']?.dims).toEqual([3, 3]);
    expect(Array.from(feeds['ids']?.data as BigInt64Array, Number)).toEqual([1, 2, 0, 3, 4, 5, 6, 7, 8]);
    const answers = splitBatch(signature, { score: { type: 'float32', dims: [3], data: Float32Array.of(10, 20, 30) } }, [a, b]);
    expect(answers).toEqual([
      [{ name: 'score', datatype: 'FP32', shape: [1], data: [10] }],
      [{ name: 'score', datatype: 'FP32', shape: [2], data: [20, 30] }],
    ]);
  });

  it('refuses to split outputs that do not have one row per request row', () => {
    const a = request([[1]]);
    const b = request([[2]]);
    expect(() => splitBatch(signature, { score: { type: 'float32', dims: [1], data: Float32Array.of(1) } }, [a, b])).toThrow(
      'output "score" has 1 rows for a batch of 2',
    );
  });

  it('refuses padding for an input whose padded length reaches an output', () => {
    expect(() =>
      modelSignature(
        {
          inputs: [{ name: 'ids', type: 'int64', shape: ['batch', 'tokens'] }],
          outputs: [{ name: 'per_token', type: 'float32', shape: ['batch', 'tokens'] }],
          metadata: { 'mlaas.padding.ids': '0' },
        },
        { name: 'm', version: '1', padding: new Map() },
      ),
    ).toThrow('output "per_token" has the padded dimension "tokens"');
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { predictProbability } from './logistic-regression.js';
import { buildLogisticModel, INPUT_NAME, OUTPUT_NAME } from './onnx-model.js';
import { loadSpamClassifier, MAX_BATCH } from './spam-classifier.js';
import { featurize, HASH_BUCKETS } from './tokenize.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function indicesTensor(rows: number[][]): ort.Tensor {
  const width = rows[0]?.length ?? 0;
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat(), (i) => BigInt(i)), [rows.length, width]);
}

describe('buildLogisticModel', () => {
  it('computes sigmoid(bias + sum of the gathered weights) per row, with padding weighing nothing', async () => {
    // W[0] is set here on purpose: the writer must zero it.
    const weights = Float32Array.from([5, 0.5, -1.25, 2, 0.75]);
    const session = await ort.InferenceSession.create(buildLogisticModel({ weights, bias: -0.5 }));
    const out = await session.run({ [INPUT_NAME]: indicesTensor([[1, 2, 0], [3, 0, 0], [4, 3, 1]]) });
    const probabilities = Array.from(out[OUTPUT_NAME]?.data as Float32Array);
    expect(out[OUTPUT_NAME]?.dims).toEqual([3]);
    expect(probabilities[0]).toBeCloseTo(sigmoid(-0.5 + 0.5 - 1.25), 6);
    expect(probabilities[1]).toBeCloseTo(sigmoid(-0.5 + 2), 6);
    expect(probabilities[2]).toBeCloseTo(sigmoid(-0.5 + 0.75 + 2 + 0.5), 6);
  });

  it('declares int64 [batch, tokens] in and float [batch] out, and keeps the metadata', async () => {
    const bytes = buildLogisticModel({ weights: new Float32Array(8), bias: 0, metadata: { tokenizer_version: 'v9' } });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual([INPUT_NAME]);
    expect(session.outputNames).toEqual([OUTPUT_NAME]);
    expect(Buffer.from(bytes).includes('tokenizer_version')).toBe(true);
  });
});

describe('loadSpamClassifier', () => {
  it('featurizes a text the way training does and returns the probability the in-memory model gives', async () => {
    const weights = new Float32Array(HASH_BUCKETS);
    const text = 'claim your free prize';
    const buckets = featurize(text);
    buckets.forEach((bucket, i) => (weights[bucket] = i % 2 === 0 ? 0.4 : -0.1));
    const file = path.join(dir, 'known.onnx');
    fs.writeFileSync(file, buildLogisticModel({ weights, bias: -0.3 }));

    const classifier = await loadSpamClassifier(file);
    const expected = predictProbability({ weights, bias: -0.3 }, buckets);
    expect(await classifier.spamProbability(text)).toBeCloseTo(expected, 5);
    // A text with no tokens at all scores the bias alone.
    expect(await classifier.spamProbability('...')).toBeCloseTo(sigmoid(-0.3), 6);
  });

  it('gives each of many texts classified at once (batched, padded, over MAX_BATCH) the probability it gets alone', async () => {
    const weights = Float32Array.from({ length: HASH_BUCKETS }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
    const file = path.join(dir, 'varied.onnx');
    fs.writeFileSync(file, buildLogisticModel({ weights, bias: 0.2 }));
    const model = { weights: Float32Array.from(weights, (w, i) => (i === 0 ? 0 : w)), bias: 0.2 };
    const classifier = await loadSpamClassifier(file);
    const texts = Array.from({ length: 2 * MAX_BATCH + 7 }, (_, i) =>
      i % 10 === 0 ? '...' : Array.from({ length: 1 + ((i * 37) % 200) }, (_, j) => `word${(i * j) % 997}`).join(' '),
    );

    const together = await Promise.all(texts.map((t) => classifier.spamProbability(t)));
    for (const [i, text] of texts.entries()) {
      expect(together[i]).toBeCloseTo(await classifier.spamProbability(text), 6);
      expect(together[i]).toBeCloseTo(predictProbability(model, featurize(text)), 5);
    }
  });
});

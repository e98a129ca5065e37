/**
 * The trained spam model behind one call: text in, P(spam) out, through
 * onnxruntime-node and the same featurizer that training used.
 */
import os from 'node:os';
import ort from 'onnxruntime-node';
import { INPUT_NAME, OUTPUT_NAME } from './model-signature.js';
import { featurize } from './tokenize.js';

export const SPAM_THRESHOLD = 0.5;

export interface SpamClassifier {
  spamProbability(text: string): Promise<number>;
}

/**
 * One thread, the caller's: the graph is a Gather and a sum over a few
 * hundred weights, far too small to split, and on a small machine every core
 * ORT's thread pools would take (or spin on) is one the gateway needs.
 */
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

/** Which 32-bit half of an int64 holds its low bits on this machine. */
const LOW_WORD = os.endianness() === 'LE' ? 0 : 1;

/**
 * The buckets as the int64 column the model reads. Buckets are below 2^31, so
 * each int64 is its low 32-bit word with a zero high word: written through an
 * Int32Array view, no BigInt is made per bucket (BigInt64Array.from with
 * BigInt() cost more than the whole model run).
 */
function int64Column(buckets: readonly number[]): BigInt64Array {
  // A text without a single token still needs one column: bucket 0 is the padding that weighs nothing.
  const column = new BigInt64Array(Math.max(1, buckets.length));
  const words = new Int32Array(column.buffer);
  for (let i = 0; i < buckets.length; i++) words[2 * i + LOW_WORD] = buckets[i] as number;
  return column;
}

export async function loadSpamClassifier(modelFile: string): Promise<SpamClassifier> {
  const session = await ort.InferenceSession.create(modelFile, SESSION_OPTIONS);
  return {
    async spamProbability(text: string): Promise<number> {
      const indices = int64Column(featurize(text));
      const input = new ort.Tensor('int64', indices, [1, indices.length]);
      const output = await session.run({ [INPUT_NAME]: input });
      const probability = output[OUTPUT_NAME]?.data[0];
      if (typeof probability !== 'number') {
        throw new Error(`model ${modelFile}: output "${OUTPUT_NAME}" is missing or not float`);
      }
      return probability;
    },
  };
}

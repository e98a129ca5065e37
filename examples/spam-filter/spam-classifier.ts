/**
 * The trained spam model behind one call: text in, P(spam) out, through
 * onnxruntime-node and the same featurizer that training used.
 */
import ort from 'onnxruntime-node';
import { INPUT_NAME, OUTPUT_NAME } from './model-signature.js';
import { featurize } from './tokenize.js';

export const SPAM_THRESHOLD = 0.5;

export interface SpamClassifier {
  spamProbability(text: string): Promise<number>;
}

export async function loadSpamClassifier(modelFile: string): Promise<SpamClassifier> {
  const session = await ort.InferenceSession.create(modelFile);
  return {
    async spamProbability(text: string): Promise<number> {
      const buckets = featurize(text);
      // A text without a single token still needs one column: bucket 0 is the padding that weighs nothing.
      const indices = BigInt64Array.from(buckets.length === 0 ? [0] : buckets, (i) => BigInt(i));
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

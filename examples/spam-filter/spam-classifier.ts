/**
 * The trained spam model behind one call: text in, P(spam) out, through
 * onnxruntime-node and the same featurizer that training used.
 *
 * Texts classified in the same turn of the event loop (the requests one
 * poll of the sockets brought in) go to the model as one batch: a run costs
 * ~25 µs whatever its size, a row of a few hundred weights far less. Rows are
 * padded with bucket 0, whose weight is 0, so a text's probability does not
 * depend on what it was batched with.
 */
import os from 'node:os';
import ort from 'onnxruntime-node';
import { INPUT_NAME, OUTPUT_NAME } from './model-signature.js';
import { featurize } from './tokenize.js';

export const SPAM_THRESHOLD = 0.5;
/** At most this many texts per run; more in one turn start another run. */
export const MAX_BATCH = 64;

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

interface Pending {
  buckets: number[];
  resolve: (probability: number) => void;
  reject: (err: unknown) => void;
}

/**
 * The batch as the int64 [rows, width] matrix the model reads. Buckets are
 * below 2^31, so each int64 is its low 32-bit word with a zero high word:
 * written through an Int32Array view, no BigInt is made per bucket
 * (BigInt64Array.from with BigInt() cost more than the whole model run).
 * A batch of texts without a single token still needs one column.
 */
function indexMatrix(batch: readonly Pending[]): ort.Tensor {
  const width = Math.max(1, ...batch.map((p) => p.buckets.length));
  const matrix = new BigInt64Array(batch.length * width);
  const words = new Int32Array(matrix.buffer);
  batch.forEach(({ buckets }, row) => {
    const at = 2 * row * width + LOW_WORD;
    for (let i = 0; i < buckets.length; i++) words[at + 2 * i] = buckets[i] as number;
  });
  return new ort.Tensor('int64', matrix, [batch.length, width]);
}

export async function loadSpamClassifier(modelFile: string): Promise<SpamClassifier> {
  const session = await ort.InferenceSession.create(modelFile, SESSION_OPTIONS);
  let pending: Pending[] = [];

  async function run(batch: Pending[]): Promise<void> {
    try {
      const output = await session.run({ [INPUT_NAME]: indexMatrix(batch) });
      const probabilities = output[OUTPUT_NAME]?.data;
      if (!(probabilities instanceof Float32Array) || probabilities.length !== batch.length) {
        throw new Error(`model ${modelFile}: output "${OUTPUT_NAME}" is missing or not float [${batch.length}]`);
      }
      batch.forEach((p, row) => p.resolve(probabilities[row] as number));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  function flush(): void {
    // An immediate queued for a batch that filled up and ran early finds nothing left.
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    void run(batch);
  }

  return {
    spamProbability(text: string): Promise<number> {
      const buckets = featurize(text);
      return new Promise((resolve, reject) => {
        pending.push({ buckets, resolve, reject });
        if (pending.length === 1) setImmediate(flush);
        else if (pending.length === MAX_BATCH) flush();
      });
    },
  };
}

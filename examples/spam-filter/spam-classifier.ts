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
 * A batch of texts without a single token still needs one column. The
 * matrix lives in `words`, which is zeroed only as far as this batch reaches.
 */
function indexMatrix(batch: readonly Pending[], width: number, words: Int32Array): ort.Tensor {
  const cells = batch.length * width;
  words.fill(0, 0, 2 * cells);
  for (let row = 0; row < batch.length; row++) {
    const { buckets } = batch[row] as Pending;
    const at = 2 * row * width + LOW_WORD;
    for (let i = 0; i < buckets.length; i++) words[at + 2 * i] = buckets[i] as number;
  }
  return new ort.Tensor('int64', new BigInt64Array(words.buffer, 0, cells), [batch.length, width]);
}

/** Room for at least `cells` int64s, as 32-bit words: powers of two, so that a few sizes serve every batch. */
function matrixWords(cells: number): Int32Array {
  return new Int32Array(2 * 2 ** Math.ceil(Math.log2(Math.max(cells, 1024))));
}

export async function loadSpamClassifier(modelFile: string): Promise<SpamClassifier> {
  const session = await ort.InferenceSession.create(modelFile, SESSION_OPTIONS);
  let pending: Pending[] = [];
  // Matrices no run holds: a run keeps its own until the model has read it (a second batch may
  // start in the same turn, before the first run's immediate), then hands it back.
  const spare: Int32Array[] = [];

  async function run(batch: Pending[]): Promise<void> {
    let width = 1;
    for (const p of batch) if (p.buckets.length > width) width = p.buckets.length;
    let words = spare.pop();
    if (words === undefined || words.length < 2 * batch.length * width) words = matrixWords(batch.length * width);
    try {
      const output = await session.run({ [INPUT_NAME]: indexMatrix(batch, width, words) });
      const probabilities = output[OUTPUT_NAME]?.data;
      if (!(probabilities instanceof Float32Array) || probabilities.length !== batch.length) {
        throw new Error(`model ${modelFile}: output "${OUTPUT_NAME}" is missing or not float [${batch.length}]`);
      }
      batch.forEach((p, row) => p.resolve(probabilities[row] as number));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      spare.push(words);
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

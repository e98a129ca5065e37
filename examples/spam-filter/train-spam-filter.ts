/**
 * The spam filter's training pipeline, without the file writing: corpus →
 * seeded 80/20 split → features → logistic regression → held-out metrics.
 */
import { loadCorpus, type LabelledMessage } from './corpus.js';
import { evaluate, trainLogistic, type Evaluation, type Example, type LogisticModel } from './logistic-regression.js';
import { splitDataset } from './split-dataset.js';
import { featurize, HASH_BUCKETS } from './tokenize.js';

export interface TrainSpamFilterOptions {
  /** Use only this many messages, spread over all groups (for quick runs). */
  limit?: number;
  seed?: number;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainedSpamFilter {
  model: LogisticModel;
  /** Metrics on the held-out 20%. */
  test: Evaluation;
  train: Evaluation;
  hyperparameters: { seed: number; epochs: number; learningRate: number; l2: number; trainFraction: number };
}

export const DEFAULTS = { seed: 42, epochs: 120, learningRate: 0.05, l2: 1e-5, trainFraction: 0.8 };

/**
 * The messages on each side of the training split: what the shipped model
 * learned from and is scored on (bench/spam-vs-fastapi.ts hands the same
 * lists to its scikit-learn peer).
 */
export function splitCorpus(options: { limit?: number; seed?: number } = {}): { train: LabelledMessage[]; test: LabelledMessage[] } {
  return splitDataset(loadCorpus({ limit: options.limit }), DEFAULTS.trainFraction, options.seed ?? DEFAULTS.seed);
}

const exampleOf = (m: LabelledMessage): Example => ({ indices: featurize(m.text), label: m.spam ? 1 : 0 });

export function trainSpamFilter(options: TrainSpamFilterOptions = {}): TrainedSpamFilter {
  const hyperparameters = {
    seed: options.seed ?? DEFAULTS.seed,
    epochs: options.epochs ?? DEFAULTS.epochs,
    learningRate: options.learningRate ?? DEFAULTS.learningRate,
    l2: options.l2 ?? DEFAULTS.l2,
    trainFraction: DEFAULTS.trainFraction,
  };
  const split = splitCorpus({ limit: options.limit, seed: hyperparameters.seed });
  const train = split.train.map(exampleOf);
  const test = split.test.map(exampleOf);
  const model = trainLogistic(train, {
    features: HASH_BUCKETS,
    epochs: hyperparameters.epochs,
    learningRate: hyperparameters.learningRate,
    l2: hyperparameters.l2,
    onEpoch: options.onEpoch,
  });
  return { model, test: evaluate(model, test), train: evaluate(model, train), hyperparameters };
}

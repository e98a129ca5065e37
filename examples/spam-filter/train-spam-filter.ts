/**
 * The spam filter's training pipeline, without the file writing: corpus →
 * features → seeded 80/20 split → logistic regression → held-out metrics.
 */
import { loadCorpus } from './corpus.js';
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

export function trainSpamFilter(options: TrainSpamFilterOptions = {}): TrainedSpamFilter {
  const hyperparameters = {
    seed: options.seed ?? DEFAULTS.seed,
    epochs: options.epochs ?? DEFAULTS.epochs,
    learningRate: options.learningRate ?? DEFAULTS.learningRate,
    l2: options.l2 ?? DEFAULTS.l2,
    trainFraction: DEFAULTS.trainFraction,
  };
  const examples: Example[] = loadCorpus({ limit: options.limit }).map((m) => ({
    indices: featurize(m.text),
    label: m.spam ? 1 : 0,
  }));
  const { train, test } = splitDataset(examples, hyperparameters.trainFraction, hyperparameters.seed);
  const model = trainLogistic(train, {
    features: HASH_BUCKETS,
    epochs: hyperparameters.epochs,
    learningRate: hyperparameters.learningRate,
    l2: hyperparameters.l2,
    onEpoch: options.onEpoch,
  });
  return { model, test: evaluate(model, test), train: evaluate(model, train), hyperparameters };
}

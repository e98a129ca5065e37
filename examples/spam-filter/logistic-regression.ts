/**
 * Logistic regression over sparse binary features (each example is the list
 * of its active buckets), trained by full-batch gradient descent with Adam
 * and L2. Full batches need no shuffling, so a run is exactly reproducible.
 *
 * The intercept is fixed at the log prior odds of the training labels rather
 * than learned: every e-mail has dozens of common tokens that can absorb it,
 * so a learned intercept drifts to an arbitrary value, and then a short text
 * with no telling words (a one-line chat message) scores as a coin flip
 * instead of the base rate.
 */

export interface Example {
  /** Distinct active feature indices; index 0 is padding and never learns. */
  indices: readonly number[];
  label: 0 | 1;
}

export interface LogisticModel {
  weights: Float32Array;
  bias: number;
}

export interface TrainOptions {
  /** Number of weights (feature buckets). */
  features: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weights (not the bias), per example. */
  l2: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function trainLogistic(examples: readonly Example[], options: TrainOptions): LogisticModel {
  const { features, epochs, learningRate, l2 } = options;
  const w = new Float64Array(features);
  const grad = new Float64Array(features);
  const m = new Float64Array(features);
  const v = new Float64Array(features);
  const n = examples.length;
  const positives = examples.reduce((count, e) => count + e.label, 0);
  const b = Math.log(Math.max(positives, 1) / Math.max(n - positives, 1));

  for (let epoch = 1; epoch <= epochs; epoch++) {
    grad.fill(0);
    let loss = 0;
    for (const { indices, label } of examples) {
      let z = b;
      for (const i of indices) z += w[i] as number;
      const p = sigmoid(z);
      const err = p - label;
      for (const i of indices) grad[i] = (grad[i] as number) + err;
      loss -= label === 1 ? Math.log(Math.max(p, 1e-12)) : Math.log(Math.max(1 - p, 1e-12));
    }
    const correction1 = 1 - BETA1 ** epoch;
    const correction2 = 1 - BETA2 ** epoch;
    for (let j = 1; j < features; j++) {
      const wj = w[j] as number;
      const g = (grad[j] as number) / n + l2 * wj;
      const mj = BETA1 * (m[j] as number) + (1 - BETA1) * g;
      const vj = BETA2 * (v[j] as number) + (1 - BETA2) * g * g;
      m[j] = mj;
      v[j] = vj;
      w[j] = wj - (learningRate * (mj / correction1)) / (Math.sqrt(vj / correction2) + EPSILON);
    }
    options.onEpoch?.(epoch, loss / n);
  }
  return { weights: Float32Array.from(w), bias: b };
}

/** P(spam) for one example, computed the way the ONNX graph does. */
export function predictProbability(model: LogisticModel, indices: readonly number[]): number {
  let z = model.bias;
  for (const i of indices) z += model.weights[i] as number;
  return sigmoid(z);
}

export interface Evaluation {
  accuracy: number;
  precision: number;
  recall: number;
  examples: number;
}

/** Accuracy, and precision and recall of the positive (spam) class, at threshold 0.5. */
export function evaluate(model: LogisticModel, examples: readonly Example[]): Evaluation {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (const { indices, label } of examples) {
    const predicted = predictProbability(model, indices) >= 0.5 ? 1 : 0;
    if (predicted === label) correct++;
    if (predicted === 1 && label === 1) tp++;
    if (predicted === 1 && label === 0) fp++;
    if (predicted === 0 && label === 1) fn++;
  }
  return {
    accuracy: correct / examples.length,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    examples: examples.length,
  };
}

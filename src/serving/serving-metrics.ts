/**
 * The ONNX server's Prometheus metrics (`GET /metrics`): requests by model
 * and outcome, the rows of every batch that ran, and the queue length, so an
 * operator can see whether batches actually form.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type RequestOutcome = 'ok' | 'invalid' | 'overloaded' | 'failed';

export interface ServingMetrics {
  registry: Registry;
  request(model: string, outcome: RequestOutcome): void;
  batch(model: string, rows: number): void;
  queueLength(model: string, length: number): void;
  /** The model is loaded and its session ready, `seconds` after the server started loading. */
  loaded(model: string, seconds: number): void;
}

export function createServingMetrics(): ServingMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'mlaas_onnx_requests_total',
    help: 'V2 infer requests answered, by model and outcome (ok, invalid, overloaded, failed).',
    labelNames: ['model', 'outcome'] as const,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'mlaas_onnx_batch_size',
    help: 'Rows per session.run: above 1 when dynamic batching merged requests.',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const queue = new Gauge({
    name: 'mlaas_onnx_queue_length',
    help: 'Infer requests waiting for a batch, by model.',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  const loadTime = new Gauge({
    name: 'mlaas_onnx_model_load_seconds',
    help: "Seconds from the server's start until the model's sessions were ready in every worker (models load together).",
    labelNames: ['model'] as const,
    registers: [registry],
  });
  return {
    registry,
    request: (model, outcome) => requests.inc({ model, outcome }),
    batch: (model, rows) => batchSize.observe({ model }, rows),
    queueLength: (model, length) => queue.set({ model }, length),
    loaded: (model, seconds) => loadTime.set({ model }, seconds),
  };
}

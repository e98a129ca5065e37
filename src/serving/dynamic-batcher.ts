/**
 * Dynamic batching for one model, as Triton's dynamic batcher does it: a
 * request waits at most `maxQueueDelayMs` for others to join it; a batch
 * leaves as soon as a worker is free and either the delay is up or
 * `maxBatchSize` rows are waiting. Only requests whose non-batch dimensions
 * agree (up to declared padding) share a batch. The queue is bounded: past
 * `maxQueueLength` the caller gets 503 with Retry-After.
 */
import { MlaasError } from '../errors.js';
import { batchKey, mergeBatch, splitBatch, type V2Output } from './merge-batch.js';
import type { ModelSignature } from './model-signature.js';
import type { InferRequest } from './validate-infer-request.js';
import type { WireTensor } from './worker-pool.js';

export interface DynamicBatcherOptions {
  signature: ModelSignature;
  /** Rows per batch; 1 turns batching off. */
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueueLength: number;
  /** Batches run at the same time: the number of inference workers. */
  concurrency: number;
  run: (feeds: Record<string, WireTensor>) => Promise<Record<string, WireTensor>>;
  /** Told the rows of every batch that leaves, for the metrics. */
  onBatch?: (rows: number) => void;
  /** Told the queue length whenever it changes. */
  onQueueLength?: (length: number) => void;
  now?: () => number;
}

interface Entry {
  request: InferRequest;
  key: string;
  enqueuedAt: number;
  resolve: (outputs: V2Output[]) => void;
  reject: (err: unknown) => void;
}

export class DynamicBatcher {
  private readonly queue: Entry[] = [];
  private queuedRows = 0;
  private inflight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly batching: boolean;

  constructor(private readonly options: DynamicBatcherOptions) {
    this.now = options.now ?? performance.now.bind(performance);
    this.batching = options.signature.batchable && options.maxBatchSize > 1;
  }

  get queueLength(): number {
    return this.queue.length;
  }

  /**
   * Answers with the request's own outputs once its batch has run.
   *
   * @throws MlaasError SERVING_OVERLOADED (synchronously) when the queue is full.
   */
  infer(request: InferRequest): Promise<V2Output[]> {
    if (this.queue.length >= this.options.maxQueueLength) {
      throw new MlaasError(
        'SERVING_OVERLOADED',
        `model "${this.options.signature.name}": ${this.queue.length} requests are already waiting (limit ${this.options.maxQueueLength}); retry shortly`,
        { headers: { 'retry-after': '1' } },
      );
    }
    return new Promise((resolve, reject) => {
      const key = this.batching ? batchKey(this.options.signature, request) : '';
      this.queue.push({ request, key, enqueuedAt: this.now(), resolve, reject });
      this.queuedRows += request.rows;
      this.options.onQueueLength?.(this.queue.length);
      this.schedule();
    });
  }

  private schedule(): void {
    while (this.inflight < this.options.concurrency && this.queue.length > 0) {
      const waited = this.now() - (this.queue[0] as Entry).enqueuedAt;
      if (this.batching && waited < this.options.maxQueueDelayMs && this.queuedRows < this.options.maxBatchSize) {
        // The timer always belongs to the current head: it is cleared whenever a batch leaves.
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, this.options.maxQueueDelayMs - waited);
        return;
      }
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.runBatch(this.take());
    }
  }

  /** The oldest request and the compatible ones after it, up to maxBatchSize rows. */
  private take(): Entry[] {
    const head = this.queue.shift() as Entry;
    const batch = [head];
    let rows = head.request.rows;
    if (this.batching) {
      for (let i = 0; i < this.queue.length && rows < this.options.maxBatchSize; ) {
        const entry = this.queue[i] as Entry;
        if (entry.key === head.key && rows + entry.request.rows <= this.options.maxBatchSize) {
          batch.push(entry);
          rows += entry.request.rows;
          this.queue.splice(i, 1);
        } else i++;
      }
    }
    this.queuedRows -= rows;
    this.options.onQueueLength?.(this.queue.length);
    return batch;
  }

  private async runBatch(batch: Entry[]): Promise<void> {
    this.inflight++;
    const requests = batch.map((e) => e.request);
    this.options.onBatch?.(requests.reduce((n, r) => n + r.rows, 0) || 1);
    try {
      const outputs = await this.options.run(mergeBatch(this.options.signature, requests));
      const answers = splitBatch(this.options.signature, outputs, requests);
      batch.forEach((e, i) => e.resolve(answers[i] as V2Output[]));
    } catch (err) {
      batch.forEach((e) => e.reject(err));
    } finally {
      this.inflight--;
      this.schedule();
    }
  }
}

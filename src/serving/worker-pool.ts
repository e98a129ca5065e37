/**
 * A small pool of inference worker threads. Each worker holds a session of
 * every model and runs one job at a time; jobs wait in a FIFO while all
 * workers are busy. Input buffers are transferred, not copied.
 */
import { Worker } from 'node:worker_threads';
import type { RawModelInfo } from './model-signature.js';
import type { TensorData } from './v2-datatype.js';

/** A tensor as it crosses the thread boundary; `type` is onnxruntime's type name. */
export interface WireTensor {
  type: string;
  dims: number[];
  data: TensorData;
}

export interface WorkerInit {
  models: Array<{ name: string; path: string }>;
  intraOpThreads: number;
  /** Only one worker needs to report the models' signatures. */
  describe: boolean;
}

export interface RunJob {
  id: number;
  model: string;
  feeds: Record<string, WireTensor>;
}

export type WorkerReply =
  | { kind: 'loaded'; models: Record<string, RawModelInfo> }
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; outputs: Record<string, WireTensor> }
  | { kind: 'error'; id: number; message: string };

interface Pending {
  job: RunJob;
  resolve: (outputs: Record<string, WireTensor>) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  running: Pending | undefined;
}

export interface WorkerPoolOptions {
  size: number;
  models: Array<{ name: string; path: string }>;
  intraOpThreads: number;
  /** Called once when a worker dies unexpectedly: the instance is then unusable and should exit. */
  onFatal: (err: Error) => void;
}

const WORKER_URL = new URL('./inference-worker.js', import.meta.url);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closing = false;

  private constructor(private readonly onFatal: (err: Error) => void) {}

  /**
   * Starts the workers and waits until every one has loaded every model.
   *
   * @returns the pool and what the models look like.
   * @throws Error naming the model that failed to load.
   */
  static async start(options: WorkerPoolOptions): Promise<{ pool: WorkerPool; models: Record<string, RawModelInfo> }> {
    const pool = new WorkerPool(options.onFatal);
    const loads = Array.from({ length: options.size }, (_, i) =>
      pool.spawn({ models: options.models, intraOpThreads: options.intraOpThreads, describe: i === 0 }),
    );
    const settled = await Promise.allSettled(loads);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) {
      await pool.close();
      throw failed.reason;
    }
    const first = settled[0];
    return { pool, models: first?.status === 'fulfilled' ? first.value : {} };
  }

  get size(): number {
    return this.slots.length;
  }

  /** Runs one batch on the next free worker. */
  run(model: string, feeds: Record<string, WireTensor>): Promise<Record<string, WireTensor>> {
    if (this.closing) return Promise.reject(new Error('the inference workers are shutting down'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { id: this.nextId++, model, feeds }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const pending of this.waiting.splice(0)) pending.reject(new Error('the inference workers are shutting down'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(init: WorkerInit): Promise<Record<string, RawModelInfo>> {
    const worker = new Worker(WORKER_URL, { workerData: init });
    const slot: Slot = { worker, running: undefined };
    return new Promise((resolve, reject) => {
      let loaded = false;
      worker.on('message', (message: WorkerReply) => {
        if (message.kind === 'loaded') {
          loaded = true;
          this.slots.push(slot);
          resolve(message.models);
          this.dispatch();
        } else if (message.kind === 'failed') {
          reject(new Error(message.message));
        } else {
          this.settle(slot, message);
        }
      });
      worker.on('error', (err) => (loaded ? this.fail(slot, err) : reject(err)));
      worker.on('exit', (code) => {
        if (!loaded) reject(new Error(`inference worker exited with code ${code} before loading the models`));
        else if (!this.closing) this.fail(slot, new Error(`inference worker exited with code ${code}`));
      });
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.running !== undefined) continue;
      const next = this.waiting.shift() as Pending;
      slot.running = next;
      const transfer = Object.values(next.job.feeds).flatMap((t) => (Array.isArray(t.data) ? [] : [t.data.buffer as ArrayBuffer]));
      slot.worker.postMessage(next.job, transfer);
    }
  }

  private settle(slot: Slot, message: Extract<WorkerReply, { id: number }>): void {
    const running = slot.running;
    slot.running = undefined;
    if (running !== undefined && running.job.id === message.id) {
      if (message.kind === 'result') running.resolve(message.outputs);
      else running.reject(new Error(message.message));
    }
    this.dispatch();
  }

  private fail(slot: Slot, err: Error): void {
    slot.running?.reject(err);
    slot.running = undefined;
    if (!this.closing) {
      this.closing = true;
      this.onFatal(err);
    }
  }
}

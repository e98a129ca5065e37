/**
 * Composes the ONNX server: the HTTP listener (live at once), the inference
 * workers (ready when every model has loaded), one dynamic batcher per model,
 * and a graceful close that lets in-flight requests finish.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { DynamicBatcher } from './dynamic-batcher.js';
import { modelSignature, type RawModelInfo } from './model-signature.js';
import { envNameOf, type ServingConfig } from './serving-config.js';
import { createServingMetrics, type ServingMetrics } from './serving-metrics.js';
import { createV2Handler, type LoadedModel } from './v2-handler.js';
import { WorkerPool } from './worker-pool.js';

/** How long a server whose models failed to load waits for the requests of sockets it already accepted. */
const UNREADY_CLOSE_GRACE_MS = 500;

export interface OnnxServer {
  port: number;
  /** Settles when every model has loaded (the server is then ready), or rejects naming the model that failed. */
  ready: Promise<void>;
  /** Stops accepting, lets in-flight requests finish (at most the drain timeout), stops the workers. */
  close(): Promise<void>;
}

export interface OnnxServerOptions {
  log: Logger;
  /** Called when an inference worker dies after start: the instance should exit so the runtime restarts it. */
  onFatal: (err: Error) => void;
}

function paddingFor(config: ServingConfig, raw: RawModelInfo): Map<string, number> {
  const padding = new Map<string, number>();
  for (const input of raw.inputs) {
    const value = config.paddingByEnvName.get(envNameOf(input.name));
    if (value !== undefined) padding.set(input.name, value);
  }
  return padding;
}

async function loadModels(config: ServingConfig, options: OnnxServerOptions, metrics: ServingMetrics) {
  const startedAt = performance.now();
  const { pool, models: infos } = await WorkerPool.start({
    size: config.workers,
    models: config.models,
    intraOpThreads: config.intraOpThreads,
    onFatal: options.onFatal,
  });
  try {
    const models = new Map<string, LoadedModel>();
    for (const served of config.models) {
      const raw = infos[served.name] as RawModelInfo;
      const signature = modelSignature(raw, { name: served.name, version: served.version, padding: paddingFor(config, raw) });
      const batcher = new DynamicBatcher({
        signature,
        maxBatchSize: config.batching ? config.maxBatchSize : 1,
        maxQueueDelayMs: config.maxQueueDelayMs,
        maxQueueLength: config.maxQueueLength,
        concurrency: pool.size,
        run: (feeds) => pool.run(served.name, feeds),
        onBatch: (rows) => metrics.batch(served.name, rows),
        onQueueLength: (length) => metrics.queueLength(served.name, length),
      });
      models.set(served.name, { signature, batcher });
      metrics.loaded(served.name, (performance.now() - startedAt) / 1000);
      options.log.info(
        { model: served.name, version: served.version, batchable: signature.batchable, padding: Object.fromEntries(signature.padding) },
        'model loaded',
      );
    }
    return { pool, models };
  } catch (err) {
    await pool.close();
    throw err;
  }
}

/**
 * Listens on `config.host:config.port` at once (live), then loads the models (ready).
 *
 * @example
 * const server = await startOnnxServer(readServingConfig(process.env), { log, onFatal: () => process.exit(1) });
 * await server.ready;
 */
export async function startOnnxServer(config: ServingConfig, options: OnnxServerOptions): Promise<OnnxServer> {
  const metrics = createServingMetrics();
  let models: ReadonlyMap<string, LoadedModel> | undefined;
  let pool: WorkerPool | undefined;
  const server = createServer(createV2Handler({ models: () => models, metrics, maxBodyBytes: config.maxBodyBytes, log: options.log }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });

  let loadFailed = false;
  const ready = loadModels(config, options, metrics).then((loaded) => {
    pool = loaded.pool;
    models = loaded.models;
  });
  // The caller decides what a load failure means; an unobserved rejection must not crash the process first.
  ready.catch(() => {
    loadFailed = true;
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      if (loadFailed) {
        // Never ready, so no client keeps a connection alive: a socket with no request yet is a readiness
        // probe about to ask. It gets its 503 rather than a reset, which a probe would read as a port that accepts.
        const grace = setTimeout(() => server.closeAllConnections(), UNREADY_CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(grace);
          resolve();
        });
        return;
      }
      const cutOff = setTimeout(() => server.closeAllConnections(), config.drainTimeoutMs);
      // Idle keep-alive sockets, and those a finishing response leaves behind, would hold close() open.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearTimeout(cutOff);
        clearInterval(sweep);
        resolve();
      });
      server.closeIdleConnections();
    }).then(async () => {
      await ready.catch(() => undefined);
      await pool?.close();
    }));

  return { port: (server.address() as AddressInfo).port, ready, close };
}

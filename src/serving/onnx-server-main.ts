/**
 * The process of a `runtime: onnx` instance: serves every model the runtime
 * names in `MLAAS_MODEL_<NAME>` over the Open Inference Protocol V2 on
 * 127.0.0.1:$PORT (MLAAS_LISTEN_HOST instead when set), with dynamic batching
 * and inference in worker threads.
 *
 *   PORT=8080 MLAAS_MODEL_CLASSIFIER=model.onnx node dist/src/serving/onnx-server-main.js
 *
 * Settings (all optional): MLAAS_ONNX_BATCHING (1; 0 = off), MLAAS_ONNX_MAX_BATCH_SIZE (32 rows),
 * MLAAS_ONNX_MAX_QUEUE_DELAY_MS (2), MLAAS_ONNX_MAX_QUEUE (1024 waiting requests per model, then 503),
 * MLAAS_ONNX_WORKERS (1), MLAAS_ONNX_INTRA_OP_THREADS (1), MLAAS_ONNX_PAD_<INPUT> (right-pad value of
 * that input's last dimension when batching; also read from the model's metadata_props
 * `mlaas.padding.<input>`), MLAAS_ONNX_VERSION_<NAME> (1), MLAAS_ONNX_MAX_BODY_BYTES (16 MiB),
 * MLAAS_DRAIN_TIMEOUT_MS (10000). Logs are JSON lines on stderr. A model that
 * cannot load makes the process exit 1 with the reason, so it never becomes ready.
 */
import pino from 'pino';
import { formatIssues, MlaasError } from '../errors.js';
import { startOnnxServer } from './onnx-server.js';
import { readServingConfig, type ServingConfig } from './serving-config.js';

let config: ServingConfig;
try {
  config = readServingConfig(process.env);
} catch (err) {
  const issues = err instanceof MlaasError && err.errors !== undefined ? `\n${formatIssues(err.errors)}` : '';
  process.stderr.write(`${(err as Error).message}${issues}\n`);
  process.exit(1);
}

const log = pino({ base: { service: config.service, pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
const server = await startOnnxServer(config, {
  log,
  onFatal: (err) => {
    log.fatal({ err }, 'an inference worker died; exiting so that the runtime restarts this instance');
    process.exit(1);
  },
});
log.info({ port: server.port, models: config.models.map((m) => m.name) }, 'listening; loading models');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'draining');
    void server.close().then(() => process.exit(0));
  });
}

try {
  await server.ready;
} catch (err) {
  log.fatal({ err }, 'model load failed');
  process.stderr.write(`${(err as Error).message}\n`);
  // Stop listening (answering what is in flight) before exiting: a probe whose connection a dying
  // process resets would read as a port that accepts, i.e. ready, by the TCP readiness rule.
  await server.close();
  process.exit(1);
}
log.info(
  { batching: config.batching, maxBatchSize: config.maxBatchSize, maxQueueDelayMs: config.maxQueueDelayMs, workers: config.workers },
  'ready',
);

/**
 * A worker thread that holds an onnxruntime session of every served model and
 * runs one batch at a time. `session.run` blocks the thread it runs on, so it
 * runs here, never on the HTTP thread. Started by WorkerPool.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import type { RawModelInfo, RawTensorInfo } from './model-signature.js';
import type { RunJob, WireTensor, WorkerInit, WorkerReply } from './worker-pool.js';

// onnx-proto is CommonJS: at run time its namespace is only reachable through the default export.
const { onnx } = onnxProto;
const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('inference-worker must run as a worker thread');

function describe(metadata: readonly ort.InferenceSession.ValueMetadata[]): RawTensorInfo[] {
  return metadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }));
}

function metadataProps(bytes: Uint8Array): Record<string, string> {
  const props: Record<string, string> = {};
  for (const p of onnx.ModelProto.decode(bytes).metadataProps) {
    if (p.key) props[p.key] = p.value ?? '';
  }
  return props;
}

async function load(): Promise<Map<string, ort.InferenceSession>> {
  const sessions = new Map<string, ort.InferenceSession>();
  const infos: Record<string, RawModelInfo> = {};
  for (const model of init.models) {
    try {
      const bytes = await readFile(model.path);
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: init.intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
      sessions.set(model.name, session);
      if (init.describe) {
        infos[model.name] = { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata), metadata: metadataProps(bytes) };
      }
    } catch (err) {
      throw new Error(`model "${model.name}" (${model.path}) could not be loaded: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
  reply({ kind: 'loaded', models: infos });
  return sessions;
}

function reply(message: WorkerReply): void {
  (port as NonNullable<typeof port>).postMessage(message);
}

async function run(sessions: Map<string, ort.InferenceSession>, job: RunJob): Promise<void> {
  try {
    const session = sessions.get(job.model);
    if (session === undefined) throw new Error(`model "${job.model}" is not loaded in this worker`);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(job.feeds)) {
      feeds[name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
    }
    const results = await session.run(feeds);
    const outputs: Record<string, WireTensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      outputs[name] = { type: tensor.type, dims: [...tensor.dims], data: tensor.data as WireTensor['data'] };
    }
    reply({ kind: 'result', id: job.id, outputs });
  } catch (err) {
    reply({ kind: 'error', id: job.id, message: err instanceof Error ? err.message : String(err) });
  }
}

try {
  const sessions = await load();
  port.on('message', (job: RunJob) => void run(sessions, job));
} catch (err) {
  reply({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
}

/**
 * What dynamic batching buys the built-in ONNX server: V2 infer throughput and
 * p50/p99 latency for the spam model at 64 concurrent clients, once with
 * batching and once without (same server, MLAAS_ONNX_BATCHING=0), read as a
 * ratio so that the number does not depend on the machine. The target
 * is ≥ 3× the throughput at equal or lower p99.
 *
 *   npm run build && node dist/bench/onnx-batching.js
 *
 * BENCH_DURATION_S (10) and BENCH_CONNECTIONS (64) change the run; any
 * MLAAS_ONNX_* variable set here is passed to both servers (workers, delay).
 * Writes bench/results/onnx-batching.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { featurize } from '../examples/spam-filter/tokenize.js';
import { loadGenerator, type LoadResult } from './load-generator.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = path.join(REPO, 'bench', 'results');
const MODEL = path.join(REPO, 'examples', 'spam-filter', 'model', 'spam.onnx');
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);
const TEXT =
  'Subject: WIN a FREE prize!!! Click here now to claim your CASH reward, limited time offer. ' +
  'Dear friend, you have been selected to receive $1000 in gift cards. Reply with your details today.';
const INDICES = featurize(TEXT);
const BODY = JSON.stringify({ inputs: [{ name: 'indices', shape: [1, INDICES.length], datatype: 'INT64', data: INDICES }] });

interface ModeResult extends LoadResult {
  /** Mean rows per session.run during the measured run. */
  meanBatchSize: number;
  batches: number;
}

function tuning(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('MLAAS_ONNX_') && e[1] !== undefined));
}

async function startServer(batching: boolean): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(REPO, 'dist', 'src', 'serving', 'onnx-server-main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      MLAAS_MODEL_SPAM: MODEL,
      MLAAS_ONNX_PAD_INDICES: '0',
      ...tuning(),
      MLAAS_ONNX_BATCHING: batching ? '1' : '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const port = /"port":(\d+)/.exec(log)?.[1];
      if (port !== undefined && log.includes('"msg":"ready"')) resolve({ url: `http://127.0.0.1:${port}`, child });
    });
    child.once('exit', (code) => reject(new Error(`ONNX server exited with ${code}:\n${log}`)));
  });
}

async function batchStats(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`${name}\\{model="spam"\\} (\\S+)`).exec(text)?.[1] ?? 0);
  return { sum: read('mlaas_onnx_batch_size_sum'), count: read('mlaas_onnx_batch_size_count') };
}

async function measure(batching: boolean): Promise<ModeResult> {
  const { url, child } = await startServer(batching);
  try {
    const generator = loadGenerator();
    const spec = { url: `${url}/v2/models/spam/infer`, body: BODY, headers: {}, connections: CONNECTIONS };
    // Warm the JIT, the session and the keep-alive connections before measuring.
    await generator.run({ ...spec, durationS: 2 });
    const before = await batchStats(url);
    const result = await generator.run({ ...spec, durationS: DURATION_S });
    const after = await batchStats(url);
    const batches = after.count - before.count;
    return { ...result, batches, meanBatchSize: round(batches === 0 ? 0 : (after.sum - before.sum) / batches) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(REPO, 'dist', 'examples', 'spam-filter', 'train.js'), '--if-missing'], {
    cwd: REPO,
    stdio: 'inherit',
  });
  const noBatching = await measure(false);
  const batching = await measure(true);
  const throughput = round(batching.requestsPerSec / noBatching.requestsPerSec);
  const result = {
    name: 'onnx-batching',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', node: process.version },
    tool: loadGenerator().name,
    durationS: DURATION_S,
    connections: CONNECTIONS,
    request: { model: 'spam', tokens: INDICES.length },
    settings: tuning(),
    batching,
    noBatching,
    ratios: {
      throughputBatchingOverNoBatching: throughput,
      p50BatchingOverNoBatching: round(batching.latencyMs.p50 / noBatching.latencyMs.p50),
      p99BatchingOverNoBatching: round(batching.latencyMs.p99 / noBatching.latencyMs.p99),
    },
    target: {
      throughputRatio: 3,
      met: throughput >= 3 && batching.latencyMs.p99 <= noBatching.latencyMs.p99,
    },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'onnx-batching.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

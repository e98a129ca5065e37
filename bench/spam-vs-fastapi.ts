/**
 * The spam filter on mlaas against the article's stack, in one run: the same
 * 2 KB e-mail sent to mlaas's spam-filter service through the gateway (demo
 * key, tenancy, routing) and straight to a FastAPI + scikit-learn app under
 * one uvicorn worker, both trained on the same split of the SpamAssassin
 * corpus and both scored on the same held-out messages. Also measured: the
 * spam-filter instance without the gateway, and the instance's own CPU
 * during the rounds through the gateway, so that the gateway's share is the
 * platform's CPU less the instance's at the same rate.
 * Rounds alternate so that drift of a shared machine falls on every target;
 * each stack's CPU per request (its processes, from /proc) drifts less than
 * its requests/s when other work shares the cores.
 * The target: mlaas through the gateway ≥ 10× FastAPI's requests/s.
 *
 *   npm run bench -- spam-vs-fastapi
 *
 * BENCH_DURATION_S (10), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3) change the
 * run; BENCH_PYTHON (/usr/bin/python3) is the Python that has Debian's
 * python3-fastapi, python3-uvicorn and python3-sklearn.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusDir, type LabelledMessage } from '../examples/spam-filter/corpus.js';
import { loadSpamClassifier, SPAM_THRESHOLD } from '../examples/spam-filter/spam-classifier.js';
import { TOKENIZER_VERSION } from '../examples/spam-filter/tokenize.js';
import { splitCorpus } from '../examples/spam-filter/train-spam-filter.js';
import { SPAM_MODEL } from '../test/e2e/spam-model.js';
import { startFastApiSpamPeer, type FastApiSpamPeer } from './fastapi-spam-peer.js';
import { loadGenerator, type LoadResult } from './load-generator.js';
import { processTreeCpuSeconds } from './process-cpu.js';
import { round, startSpamPlatform, writeResult, type SpamPlatform } from './spam-filter-platform.js';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SCALING = '{ minInstances: 1, maxInstances: 1 }';
const EMAIL_BYTES = 2048;

/** The held-out spam message whose size is nearest 2 KB: a real e-mail, headers and all, that neither model trained on. */
function twoKilobyteEmail(test: readonly LabelledMessage[]): LabelledMessage {
  const size = (m: LabelledMessage) => Math.abs(Buffer.byteLength(m.text, 'latin1') - EMAIL_BYTES);
  const spam = test.filter((m) => m.spam).sort((a, b) => size(a) - size(b) || a.file.localeCompare(b.file));
  if (spam[0] === undefined) throw new Error('the held-out split has no spam');
  return spam[0];
}

/** Held-out accuracy of the model the platform serves, through the service's own classifier code. */
async function mlaasAccuracy(test: readonly LabelledMessage[]): Promise<{ accuracy: number; examples: number }> {
  const classifier = await loadSpamClassifier(SPAM_MODEL);
  let correct = 0;
  for (const m of test) {
    if ((await classifier.spamProbability(m.text)) >= SPAM_THRESHOLD === m.spam) correct++;
  }
  return { accuracy: correct / test.length, examples: test.length };
}

async function answerOf(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; label: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const json = (await res.json()) as { label?: unknown };
  return { status: res.status, label: json.label };
}

async function instanceOf(p: SpamPlatform): Promise<{ port: number; pid: number }> {
  const status = JSON.parse((await p.up.cli(['status', '-o', 'json'])).stdout) as { services: { instances: { port: number; pid?: number }[] }[] };
  const instance = status.services[0]?.instances[0];
  if (instance?.pid === undefined) throw new Error('no spam-filter instance is running');
  return { port: instance.port, pid: instance.pid };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * One measured run, with the CPU its stack's processes spent per request
 * served (the load generator's not counted) and, through the gateway, the
 * instance's share of it: the instance batches per event-loop turn, so its
 * cost per request depends on the rate it serves, and the run straight to
 * it (about twice the rate) is no measure of its share behind the gateway.
 */
type Run = LoadResult & { cpuUsPerRequest: number; instanceCpuUsPerRequest?: number };

function summary(rs: readonly Run[]) {
  return {
    requestsPerSec: round(median(rs.map((r) => r.requestsPerSec)), 0),
    p50Ms: round(median(rs.map((r) => r.latencyMs.p50))),
    p99Ms: round(median(rs.map((r) => r.latencyMs.p99))),
    cpuUsPerRequest: round(median(rs.map((r) => r.cpuUsPerRequest)), 0),
    instanceCpuUsPerRequest: rs[0]?.instanceCpuUsPerRequest === undefined ? undefined : round(median(rs.map((r) => r.instanceCpuUsPerRequest ?? 0)), 0),
    failed: rs.reduce((a, r) => a + r.errors + r.non2xx, 0),
  };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-spam-vs-fastapi-'));
  let peer: FastApiSpamPeer | undefined;
  let platform: SpamPlatform | undefined;
  try {
    const split = splitCorpus();
    const email = twoKilobyteEmail(split.test);
    const body = JSON.stringify({ text: email.text });
    const splitFile = path.join(tmp, 'split.json');
    writeFileSync(splitFile, JSON.stringify({ corpusDir: corpusDir(), train: split.train.map((m) => m.file), test: split.test.map((m) => m.file) }));
    const shipped = JSON.parse(readFileSync(path.join(path.dirname(SPAM_MODEL), 'metadata.json'), 'utf8')) as { tokenizer: { version: string } };
    if (shipped.tokenizer.version !== TOKENIZER_VERSION) {
      throw new Error(`${SPAM_MODEL} was trained with tokenizer ${shipped.tokenizer.version}, the service tokenizes with ${TOKENIZER_VERSION}: retrain it (npm run train)`);
    }

    // Both start at once (the peer trains for a while); whichever fails, the other is still stopped below.
    const [peerStart, platformStart] = await Promise.allSettled([startFastApiSpamPeer(splitFile), startSpamPlatform(SCALING)]);
    peer = peerStart.status === 'fulfilled' ? peerStart.value : undefined;
    platform = platformStart.status === 'fulfilled' ? platformStart.value : undefined;
    if (peerStart.status === 'rejected') throw peerStart.reason;
    if (platformStart.status === 'rejected') throw platformStart.reason;
    const python = peerStart.value;
    const mlaasUp = platformStart.value.up;
    const mlaas = await mlaasAccuracy(split.test);
    const loadBefore = os.loadavg();
    // The platform's CPU is every process of `mlaas up` (gateway, control plane, runtime, the instance).
    const platformPid = mlaasUp.child.pid as number;
    const spamInstance = await instanceOf(platformStart.value);
    const targets = {
      gateway: { url: `${mlaasUp.gatewayUrl}/v1/spam-filter/predict`, headers: { 'x-api-key': mlaasUp.demoKey }, pid: platformPid },
      instance: { url: `http://127.0.0.1:${spamInstance.port}/predict`, headers: {}, pid: platformPid },
      fastapi: { url: `${python.url}/predict`, headers: {}, pid: python.pid },
    };
    for (const [name, t] of Object.entries(targets)) {
      const answer = await answerOf(t.url, t.headers, body);
      if (answer.status !== 200 || answer.label !== 'spam') throw new Error(`${name} answered ${answer.status} ${String(answer.label)} for ${email.file}, expected 200 spam`);
    }

    const generator = loadGenerator();
    const runs: Record<keyof typeof targets, Run[]> = { gateway: [], instance: [], fastapi: [] };
    // Warm every path (JIT, ONNX session, keep-alive pools) before measuring.
    for (const t of Object.values(targets)) await generator.run({ ...t, body, connections: CONNECTIONS, durationS: 3 });
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, t] of Object.entries(targets)) {
        const cpuBefore = processTreeCpuSeconds(t.pid);
        const instanceBefore = processTreeCpuSeconds(spamInstance.pid);
        const r = await generator.run({ ...t, body, connections: CONNECTIONS, durationS: DURATION_S });
        const perRequest = (seconds: number) => round((seconds * 1e6) / Math.max(1, r.requests), 1);
        const cpuUsPerRequest = perRequest(processTreeCpuSeconds(t.pid) - cpuBefore);
        const instanceCpuUsPerRequest = name === 'gateway' ? perRequest(processTreeCpuSeconds(spamInstance.pid) - instanceBefore) : undefined;
        runs[name as keyof typeof targets].push({ ...r, cpuUsPerRequest, ...(instanceCpuUsPerRequest === undefined ? {} : { instanceCpuUsPerRequest }) });
      }
    }
    const loadAfter = os.loadavg();
    const gateway = summary(runs.gateway);
    const instance = summary(runs.instance);
    const fastapi = summary(runs.fastapi);
    const ratios = {
      throughputGatewayOverFastapi: round(gateway.requestsPerSec / fastapi.requestsPerSec, 2),
      throughputInstanceOverFastapi: round(instance.requestsPerSec / fastapi.requestsPerSec, 2),
      throughputGatewayOverInstance: round(gateway.requestsPerSec / instance.requestsPerSec),
      p50FastapiOverGateway: round(fastapi.p50Ms / gateway.p50Ms, 2),
      cpuPerRequestFastapiOverGateway: round(fastapi.cpuUsPerRequest / gateway.cpuUsPerRequest, 2),
    };
    const load = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
    writeResult(
      'spam-vs-fastapi',
      {
        tool: generator.name,
        durationS: DURATION_S,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        scaling: SCALING,
        email: { file: email.file, bytes: Buffer.byteLength(email.text, 'latin1'), requestBytes: Buffer.byteLength(body) },
        accuracy: { mlaas: { ...mlaas, tokenizer: TOKENIZER_VERSION }, fastapi: python.metrics },
        peer: python.versions,
        loadavg: { before: loadBefore, after: loadAfter },
        gateway,
        instance,
        fastapi,
        runs,
        ratios,
      },
      `${generator.name} c=${CONNECTIONS}, ${ROUNDS}×${DURATION_S}s each, alternating, same 2 KB e-mail (${Buffer.byteLength(body)} B request): ` +
        `mlaas via gateway ${gateway.requestsPerSec} req/s (p50 ${gateway.p50Ms}, p99 ${gateway.p99Ms} ms), ` +
        `FastAPI+sklearn 1 uvicorn worker ${fastapi.requestsPerSec} req/s (p50 ${fastapi.p50Ms}, p99 ${fastapi.p99Ms} ms): ×${ratios.throughputGatewayOverFastapi} (target ≥ 10); ` +
        `CPU per request mlaas ${gateway.cpuUsPerRequest} µs (of it the instance ${gateway.instanceCpuUsPerRequest}; instance alone, direct, ${instance.cpuUsPerRequest}), FastAPI ${fastapi.cpuUsPerRequest} µs (×${ratios.cpuPerRequestFastapiOverGateway}); ` +
        `instance direct ${instance.requestsPerSec} req/s; held-out accuracy mlaas ${(100 * mlaas.accuracy).toFixed(2)}%, sklearn ${(100 * python.metrics.accuracy).toFixed(2)}% (${mlaas.examples} messages); ` +
        `failed ${gateway.failed + instance.failed + fastapi.failed}; loadavg ${load(loadBefore)} → ${load(loadAfter)}`,
    );
  } finally {
    await Promise.all([peer?.stop(), platform?.close()]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * `npm run bench`: the spam filter's requests/s and latency through the
 * gateway, and directly against its instance (the peer in the same run), so
 * the gateway's cost is read as a ratio rather than an absolute number that
 * depends on the machine. Uses wrk when installed, else autocannon. Results go
 * to bench/results/<name>.json and a line per run to bench/results/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGenerator, type LoadResult } from './load-generator.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = path.join(REPO, 'bench', 'results');
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const BODY = JSON.stringify({
  text: 'Subject: WIN a FREE prize!!! Click here now to claim your CASH reward, limited time offer.',
});

async function main(): Promise<void> {
  const model = path.join(REPO, 'examples', 'spam-filter', 'model', 'spam.onnx');
  execFileSync(process.execPath, [path.join(REPO, 'dist', 'examples', 'spam-filter', 'train.js'), '--if-missing'], {
    cwd: REPO,
    stdio: 'inherit',
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-'));
  copyFileSync(path.join(REPO, 'api-gateway.yaml'), path.join(dir, 'api-gateway.yaml'));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  spam-filter:
    source: ${path.join(REPO, 'examples', 'spam-filter')}
    command: [node, dist/server.js]
    models: { classifier: ${model} }
tenants:
  bench: { demoKey: true }
`,
  );
  const up = spawn(process.execPath, [path.join(REPO, 'bin', 'mlaas.js'), 'up', '--port', '0', '--admin-port', '0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    up.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!out.includes('Ctrl-C stops everything.')) {
      if (Date.now() > deadline || up.exitCode !== null) throw new Error(`mlaas up did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const gatewayUrl = /gateway\s+(http:\/\/\S+)/.exec(out)?.[1] ?? '';
    const key = /demo key\s+(mlk_\S+)/.exec(out)?.[1] ?? '';
    const status = JSON.parse(
      execFileSync(process.execPath, [path.join(REPO, 'bin', 'mlaas.js'), 'status', '-o', 'json', '--state-dir', path.join(dir, 'state')], {
        encoding: 'utf8',
      }),
    ) as { services: { instances: { port: number }[] }[] };
    const port = status.services[0]?.instances[0]?.port;
    if (port === undefined) throw new Error('no spam-filter instance is running');

    const generator = loadGenerator();
    const common = { durationS: DURATION_S, connections: CONNECTIONS, body: BODY };
    // Warm both paths (JIT, ONNX session, keep-alive pools) before measuring.
    await generator.run({ ...common, durationS: 2, url: `http://127.0.0.1:${port}/predict`, headers: {} });
    const direct = await generator.run({ ...common, url: `http://127.0.0.1:${port}/predict`, headers: {} });
    const gateway = await generator.run({ ...common, url: `${gatewayUrl}/v1/spam-filter/predict`, headers: { 'x-api-key': key } });
    report(generator.name, direct, gateway);
  } finally {
    up.kill('SIGTERM');
    await new Promise((r) => up.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(tool: string, direct: LoadResult, gateway: LoadResult): void {
  const result = {
    name: 'gateway-overhead',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', node: process.version },
    tool,
    durationS: DURATION_S,
    connections: CONNECTIONS,
    direct,
    gateway,
    ratios: {
      throughputGatewayOverDirect: round(gateway.requestsPerSec / direct.requestsPerSec),
      p50GatewayOverDirect: round(gateway.latencyMs.p50 / direct.latencyMs.p50),
      p99GatewayOverDirect: round(gateway.latencyMs.p99 / direct.latencyMs.p99),
    },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'gateway-overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
  const line =
    `| ${result.at} | ${tool} | ${CONNECTIONS} | ${direct.requestsPerSec.toFixed(0)} | ${gateway.requestsPerSec.toFixed(0)} | ` +
    `${result.ratios.throughputGatewayOverDirect} | ${direct.latencyMs.p50} / ${direct.latencyMs.p99} | ` +
    `${gateway.latencyMs.p50} / ${gateway.latencyMs.p99} | ${gateway.errors + gateway.non2xx} |\n`;
  appendFileSync(path.join(RESULTS, 'README.md'), line);
  console.log(JSON.stringify(result, null, 2));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

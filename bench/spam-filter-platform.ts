/**
 * What the platform benchmarks share: the spam-filter demo started by the
 * real `mlaas up` in a temp dir (its source copied there, so a benchmark can
 * change its code), with the scaling it asks for; and results written to
 * bench/results/<name>.json plus one line in bench/results/README.md.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMlaasUp, type MlaasUp } from '../test/e2e/mlaas-process.js';
import { ensureSpamModel, REPO, SPAM_MODEL } from '../test/e2e/spam-model.js';

export { REPO };
export const RESULTS = path.join(REPO, 'bench', 'results');
export const SPAM_BODY = JSON.stringify({
  text: 'Subject: WIN a FREE prize!!! Click here now to claim your CASH reward, limited time offer.',
});

export interface SpamPlatform {
  up: MlaasUp;
  dir: string;
  /** The copy of examples/spam-filter the service is deployed from. */
  source: string;
  predict(): Promise<Response>;
  close(): Promise<void>;
}

/**
 * `scaling` is the YAML flow mapping of the service's scaling, e.g. `{ minInstances: 1 }`;
 * `settings` are more top-level lines of mlaas.yaml (`metrics: { enabled: false }`).
 */
export async function startSpamPlatform(scaling: string, settings = ''): Promise<SpamPlatform> {
  ensureSpamModel();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-'));
  const source = path.join(dir, 'spam-filter');
  cpSync(path.join(REPO, 'examples', 'spam-filter'), source, {
    recursive: true,
    filter: (f) => !/[/\\](model|node_modules|dist)$/.test(f),
  });
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    `swagger: '2.0'
info: { title: bench, version: 1.0.0 }
securityDefinitions:
  api_key_header: { type: apiKey, name: x-api-key, in: header }
paths:
  /v1/spam-filter/predict:
    post:
      security: [{ api_key_header: [] }]
      x-google-backend: { address: 'mlaas://spam-filter/predict' }
      responses: { '200': { description: ok } }
`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
models:
  seed:
    spam: { file: ${SPAM_MODEL}, alias: production }
services:
  spam-filter:
    source: spam-filter
    command: [node, dist/server.js]
    models: { classifier: spam@production }
    scaling: ${scaling}
tenants:
  bench: { demoKey: true }
${settings}`,
  );
  const up = await startMlaasUp(dir, 'state');
  return {
    up,
    dir,
    source,
    predict: () =>
      fetch(`${up.gatewayUrl}/v1/spam-filter/predict`, {
        method: 'POST',
        headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' },
        body: SPAM_BODY,
      }),
    async close() {
      await up.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Writes bench/results/<name>.json and appends `line` to bench/results/README.md. */
export function writeResult(name: string, result: object, line: string): void {
  mkdirSync(RESULTS, { recursive: true });
  const stamped = {
    name,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', node: process.version },
    ...result,
  };
  writeFileSync(path.join(RESULTS, `${name}.json`), `${JSON.stringify(stamped, null, 2)}\n`);
  appendFileSync(path.join(RESULTS, 'README.md'), `| ${stamped.at} | ${name} | ${line} |\n`);
  console.log(JSON.stringify(stamped, null, 2));
}

/** How long a bare Node HTTP server takes from spawn to accepting: the peer every cold start is read against. */
export function bareNodeStartMs(): number {
  const script =
    "const s=require('http').createServer((q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>{process.stdout.write('up');s.close()})";
  const t0 = performance.now();
  execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return performance.now() - t0;
}

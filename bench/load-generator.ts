/**
 * A closed-loop HTTP load generator for benchmarks: wrk when the machine has
 * it (a C client that costs the measured servers less CPU), else autocannon.
 * Both report requests/s and latency percentiles in the same shape.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  durationS: number;
  connections: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
}

export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  run(spec: LoadSpec): Promise<LoadResult>;
}

export function loadGenerator(): LoadGenerator {
  return hasWrk() ? { name: 'wrk', run: runWrk } : { name: 'autocannon', run: runAutocannon };
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary is ENOENT.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const r = await autocannon({
    url: spec.url,
    method: 'POST',
    body: spec.body,
    headers: { 'content-type': 'application/json', ...spec.headers },
    connections: spec.connections,
    duration: spec.durationS,
  });
  return {
    requests: r.requests.total,
    requestsPerSec: r.requests.average,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-wrk-'));
  try {
    const script = path.join(dir, 'post.lua');
    const headers = Object.entries({ 'content-type': 'application/json', ...spec.headers })
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join('\n');
    writeFileSync(
      script,
      `wrk.method = "POST"\nwrk.body = ${JSON.stringify(spec.body)}\n${headers}\n` +
        `done = function(summary, latency, requests)\n` +
        `  io.write(string.format("JSON {\\"requests\\":%d,\\"durationUs\\":%d,\\"p50\\":%d,\\"p90\\":%d,\\"p99\\":%d,\\"max\\":%d,\\"errors\\":%d,\\"non2xx\\":%d}\\n",\n` +
        `    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,\n` +
        `    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))\n` +
        `end\n`,
    );
    // Not synchronous, so that two loads can run at once (gateway-floor's paired rounds).
    const out = await new Promise<string>((resolve, reject) =>
      execFile('wrk', ['-t', '1', '-c', String(spec.connections), '-d', `${spec.durationS}s`, '-s', script, spec.url], { encoding: 'utf8' }, (err, stdout) =>
        err === null ? resolve(stdout) : reject(err),
      ),
    );
    const line = out.split('\n').find((l) => l.startsWith('JSON '));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${out}`);
    const s = JSON.parse(line.slice(5)) as Record<string, number>;
    const us = (k: string): number => (s[k] ?? 0) / 1000;
    return {
      requests: s['requests'] ?? 0,
      requestsPerSec: (s['requests'] ?? 0) / ((s['durationUs'] ?? 1) / 1e6),
      latencyMs: { p50: us('p50'), p90: us('p90'), p99: us('p99'), max: us('max') },
      errors: s['errors'] ?? 0,
      non2xx: s['non2xx'] ?? 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

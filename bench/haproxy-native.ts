/**
 * What a benchmark of `gateway.dataplane: haproxy` checks before it trusts
 * its figures: that HAProxy's plan serves the route itself (the platform log's
 * "HAProxy serves the gateway port"), which process is HAProxy's worker (the
 * one whose CPU is HAProxy's cost), and how many requests the TypeScript
 * gateway behind it answered — which natively served load must not grow.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MlaasUp } from '../test/e2e/mlaas-process.js';
import { childPidsNamed } from './process-cpu.js';

export interface HaproxyPlanLog {
  native: number;
  delegated: Array<{ method: string; path: string; reason: string }>;
}

/** The last plan the platform in `dir` (state in `dir/stateDir`) logged; throws when it logged none. */
export function haproxyPlan(dir: string, stateDir: string): HaproxyPlanLog {
  const lines = readFileSync(path.join(dir, stateDir, 'logs', 'mlaas.log'), 'utf8').split('\n');
  const plans = lines.filter((l) => l.includes('"HAProxy serves the gateway port"')).map((l) => JSON.parse(l) as HaproxyPlanLog);
  const last = plans.at(-1);
  if (last === undefined) throw new Error(`the platform in ${dir} logged no "HAProxy serves the gateway port": HAProxy is not its data plane`);
  return last;
}

/** The pid of HAProxy's worker: the child of its master (-W), which is a child of `mlaas up`. */
export function haproxyWorkerPid(upPid: number): number {
  const [master] = childPidsNamed(upPid, 'haproxy');
  const [worker] = master === undefined ? [] : childPidsNamed(master, 'haproxy');
  if (worker === undefined) throw new Error(`mlaas up (pid ${upPid}) has no HAProxy master with a worker`);
  return worker;
}

/** The platform's metrics URL, from the summary `mlaas up` printed. */
export function metricsUrlOf(up: MlaasUp): string {
  const url = /metrics\s+(http:\/\/\S+)/.exec(up.output().stdout)?.[1];
  if (url === undefined) throw new Error('mlaas up printed no metrics URL');
  return url;
}

/** Requests the TypeScript gateway answered so far: the sum of its `mlaas_gateway_requests_total` series. */
export async function typescriptGatewayRequests(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((l) => /^mlaas_gateway_requests_total[{ ]/.test(l))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

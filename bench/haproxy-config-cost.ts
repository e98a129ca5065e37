/**
 * What each part of the mlaas-generated HAProxy config costs per request. A
 * real `mlaas up` with gateway.dataplane: haproxy writes its config and
 * programs its maps; both are copied (the maps as the runtime API shows them,
 * since their files start empty) and the platform stopped. Then HAProxy runs,
 * one thread each, on the same minimal backend: (a) a bare `listen` with one
 * server, (b) the copy — its instance added as a dynamic server as the
 * programmer adds it — (b) with that server keeping idle connections
 * (REUSE), and variants of the latter with one part taken out or made a
 * constant (request id, traceparent, key hash, header rewrites, request
 * guards, slot backend rules, L7 retries, the key-use counter, path
 * translation), all of them at once, and no rule at all; an edit that no
 * longer finds its part in what mlaas writes fails the bench.
 * Alternating rounds at c=32 and c=1; the figure that contention blurs least
 * is HAProxy's own CPU time per request at c=32. The fallback backend points
 * at the stopped platform, so a variant that stops serving natively shows as
 * failed requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMlaasUp } from '../test/e2e/mlaas-process.js';
import { freePort } from '../src/runtime/free-port.js';
import { findHaproxy, HaproxyRuntimeApi, readStats } from '../src/haproxy/index.js';
import { FLOOR_BODY, FLOOR_SERVER, instancePortOf, writeFloorPlatform } from './floor-platform.js';
import { loadGenerator, type LoadResult } from './load-generator.js';
import { processCpuSeconds } from './process-cpu.js';
import { percentile, round, writeResult } from './spam-filter-platform.js';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
/** `BENCH_VARIANTS=a,b`: only these variants (besides bare, generated and reusing, which the others are read against). */
const ONLY = process.env['BENCH_VARIANTS']?.split(',');
/**
 * What a dynamic server needs to keep idle connections to its instance: on
 * 2.6 one added by `add server` has neither an idle pool nor a purge delay
 * (static servers get 5 s), so every request opens a new connection.
 */
const REUSE = 'pool-max-conn -1 pool-purge-delay 5s';

/** The live instance of the copied config: its slot backend and the dynamic server's maxconn. */
interface Instance {
  backend: string;
  maxconn: number | undefined;
}

interface Copy {
  config: string;
  /** Map file path → its entries, as programmed. */
  maps: Map<string, Array<[string, string]>>;
  instance: Instance;
  key: string;
}

type Edit = (config: string, copy: Copy) => string;

const lines = (f: (line: string) => string | undefined): ((config: string) => string) => (config) =>
  config
    .split('\n')
    .flatMap((l) => {
      const out = f(l);
      return out === undefined ? [] : [out];
    })
    .join('\n');

/** Parts of the generated config, each taken out (or made the constant it yields for the bench's request). */
const EDITS: Record<string, Edit> = {
  'no-uuid': lines((l) => l.replace(/set-var\(txn\.rid\) uuid\(\) unless .*/, 'set-var(txn.rid) str(bench-request-id)')),
  'no-traceparent': lines((l) => (/^ {2}http-request .*traceparent/.test(l) ? undefined : l)),
  'no-sha2': (config, copy) =>
    config.replaceAll('var(txn.key),bytes(17),sha2(256),hex,lower', `str(${createHash('sha256').update(copy.key.slice(17)).digest('hex')})`),
  'no-header-rewrites': lines((l) => (/^ {2}http-(request (del|set|add)-header|after-response) /.test(l) ? undefined : l)),
  'no-guards': lines((l) =>
    /^ {2}acl (settings|tagged|chunked|one_host|odd_host|too_big|names_headers) /.test(l) ? undefined : l.replace(/(set-var-fmt\(txn\.op\) "%\[method\]%\[path\]") if .*/, '$1'),
  ),
  'no-backend-rules': lines((l) => (/^ {2}(retries|retry-on|option redispatch|http-request set-timeout)/.test(l) ? undefined : l)),
  // L7 retries (empty-response) keep a copy of every request for a retry.
  'no-retry-on': lines((l) => (l.startsWith('  retry-on ') ? undefined : l)),
  'no-track': lines((l) => (/^ {2}http-request track-sc0 /.test(l) ? undefined : l)),
  'no-set-path': lines((l) => (/^ {2}http-request set-path /.test(l) ? undefined : l)),
};

/** An edit that finds nothing to change would measure the full config under another name: refused. */
function checked(name: string, edit: Edit): Edit {
  return (config, copy) => {
    const out = edit(config, copy);
    if (out === config) throw new Error(`the bench's edit ${name} changed nothing in the generated config: it no longer matches what mlaas writes`);
    return out;
  };
}

/** (b) with no rule at all, its one route fixed: what the generated structure (globals, defaults, slots) costs without any step. */
const noRules: Edit = (config, copy) =>
  lines((l) => (/^ {2}(acl|http-request|http-after-response) /.test(l) ? undefined : /^ {2}use_backend /.test(l) ? `  use_backend ${copy.instance.backend}` : l))(config);

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-haproxy-cost-'));
  const children: ChildProcess[] = [];
  try {
    const backendPort = await freePort();
    writeFileSync(path.join(root, 'server.mjs'), FLOOR_SERVER);
    const backend = spawn(process.execPath, [path.join(root, 'server.mjs')], { env: { ...process.env, PORT: String(backendPort) }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(backend);
    await new Promise<void>((resolve) => backend.stdout?.once('data', () => resolve()));

    const copy = await copyGeneratedConfig(path.join(root, 'platform'));
    const binary = (await findHaproxy(process.env)).path;
    const full: Edit = (config) => config;
    // The parts' costs are read against `reusing`, so that the new connection per request does not drown them.
    const reusing = (edit: Edit) => ({ edit, reuse: true });
    const variants: Record<string, { edit: Edit | 'bare'; reuse: boolean }> = {
      bare: { edit: 'bare', reuse: false },
      generated: { edit: full, reuse: false },
      reusing: reusing(full),
      ...Object.fromEntries(Object.entries(EDITS).map(([n, e]) => [n, reusing(checked(n, e))])),
      'all-removed': reusing((c, k) => Object.values(EDITS).reduce((acc, e) => e(acc, k), c)),
      'no-rules': reusing(checked('no-rules', noRules)),
    };
    const running: Record<string, { port: number; pid: number; socket?: string }> = {};
    for (const [name, { edit, reuse }] of Object.entries(variants)) {
      if (ONLY !== undefined && !['bare', 'generated', 'reusing', ...ONLY].includes(name)) continue;
      const dir = path.join(root, name);
      mkdirSync(dir);
      const port = await freePort();
      // Edited before its paths are moved into `dir`, whose name (the variant's) an edit could match.
      const config = edit === 'bare' ? bareConfig(port, backendPort) : retarget(edit(copy.config, copy), copy, dir, port);
      writeFileSync(path.join(dir, 'haproxy.cfg'), config);
      for (const [file, entries] of copy.maps) writeFileSync(path.join(dir, path.basename(file)), entries.map(([k, v]) => `${k} ${v}\n`).join(''));
      const child = spawn(binary, ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      await waitForPort(port, child);
      if (edit !== 'bare') {
        const api = new HaproxyRuntimeApi(path.join(dir, 'admin.sock'));
        const server = `${copy.instance.backend}/bench`;
        const maxconn = copy.instance.maxconn === undefined ? '' : ` maxconn ${copy.instance.maxconn}`;
        await api.execute([`add server ${server} 127.0.0.1:${backendPort}${maxconn}${reuse ? ` ${REUSE}` : ''}`, `enable server ${server}`]);
        api.close();
      }
      running[name] = { port, pid: child.pid as number, ...(edit === 'bare' ? {} : { socket: path.join(dir, 'admin.sock') }) };
    }

    const generator = loadGenerator();
    const names = Object.keys(running);
    const spec = (name: string, durationS: number, connections: number) => ({
      url: `http://127.0.0.1:${running[name]?.port}/v1/predict`,
      headers: { 'x-api-key': copy.key },
      body: FLOOR_BODY,
      durationS,
      connections,
    });
    for (const name of names) await generator.run(spec(name, 1, CONNECTIONS));
    const runs = Object.fromEntries(names.map((n) => [n, { c32: [] as LoadResult[], c1: [] as LoadResult[], cpuSeconds: 0 }]));
    for (let i = 0; i < ROUNDS; i++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(i + j) % names.length] as string;
        const pid = running[name]?.pid as number;
        const run = runs[name] as { c32: LoadResult[]; c1: LoadResult[]; cpuSeconds: number };
        const t0 = processCpuSeconds(pid);
        run.c32.push(await generator.run(spec(name, DURATION_S, CONNECTIONS)));
        run.cpuSeconds += processCpuSeconds(pid) - t0;
        run.c1.push(await generator.run(spec(name, DURATION_S, 1)));
      }
    }
    // Connections HAProxy opened to the instance against requests that reused one.
    const backendConnections: Record<string, { opened: number; reused: number }> = {};
    for (const [name, { socket }] of Object.entries(running)) {
      if (socket === undefined) continue;
      const api = new HaproxyRuntimeApi(socket);
      const row = (await readStats(api)).find((r) => r.backend === copy.instance.backend && r.server === 'BACKEND');
      api.close();
      backendConnections[name] = { opened: Number(row?.fields['connect']), reused: Number(row?.fields['reuse']) };
    }
    const median = (rs: LoadResult[], f: (r: LoadResult) => number): number => percentile(rs.map(f), 50);
    const table = Object.fromEntries(
      names.map((name) => {
        const r = runs[name] as { c32: LoadResult[]; c1: LoadResult[]; cpuSeconds: number };
        const requests = r.c32.reduce((a, x) => a + x.requests, 0);
        return [
          name,
          {
            cpuUsPerRequest: round((r.cpuSeconds / requests) * 1e6, 1),
            requestsPerSecC32: round(median(r.c32, (x) => x.requestsPerSec), 0),
            p50UsC1: round(median(r.c1, (x) => x.latencyMs.p50) * 1000, 0),
            p99UsC1: round(median(r.c1, (x) => x.latencyMs.p99) * 1000, 0),
            failed: [...r.c32, ...r.c1].reduce((a, x) => a + x.errors + x.non2xx, 0),
            backendConnections: backendConnections[name] ?? null,
          },
        ];
      }),
    );
    const cpu = (n: string): number => table[n]?.cpuUsPerRequest ?? NaN;
    const measured = (n: string): boolean => table[n] !== undefined;
    // Each part against `reusing`; `reusing` itself against `generated`, as mlaas adds its instances today.
    const savedUs = {
      reusing: round(cpu('generated') - cpu('reusing'), 1),
      ...Object.fromEntries([...Object.keys(EDITS), 'all-removed', 'no-rules'].filter(measured).map((n) => [n, round(cpu('reusing') - cpu(n), 1)])),
    };
    writeResult(
      'haproxy-config-cost',
      { tool: generator.name, cores: os.availableParallelism(), loadAverage1m: round(os.loadavg()[0] ?? 0, 2), durationS: DURATION_S, connections: CONNECTIONS, rounds: ROUNDS, table, cpuUsSavedPerRequest: savedUs },
      `${generator.name}, ${ROUNDS} alternating rounds of ${DURATION_S}s, HAProxy CPU per request at c=${CONNECTIONS}: bare listen ${cpu('bare')} µs, mlaas-generated ${cpu('generated')} µs, ` +
        `with its server reusing connections (${REUSE}) ${cpu('reusing')} µs; saved (reusing vs generated, then each part vs reusing): ${Object.entries(savedUs).map(([n, us]) => `${n} ${us}`).join(', ')} µs; ` +
        `failed ${Object.values(table).reduce((a, t) => a + t.failed, 0)}`,
    );
  } finally {
    for (const child of children) child.kill();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Starts the floor platform with HAProxy in front, waits until HAProxy serves
 * the route itself, and copies its config, its programmed maps and where its
 * instance is; then stops it.
 */
async function copyGeneratedConfig(dir: string): Promise<Copy> {
  writeFloorPlatform(dir, 'workers: 1, dataplane: haproxy');
  const up = await startMlaasUp(dir, 'state');
  try {
    await instancePortOf(up);
    const url = `${up.gatewayUrl}/v1/predict`;
    const answer = await fetch(url, { method: 'POST', headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' }, body: FLOOR_BODY });
    if (answer.status !== 200) throw new Error(`the floor route answered ${answer.status}`);
    const haproxyDir = path.join(dir, 'state', 'haproxy');
    const api = new HaproxyRuntimeApi(path.join(haproxyDir, 'admin.sock'));
    const maps = new Map<string, Array<[string, string]>>();
    for (const file of readdirSync(path.join(haproxyDir, 'maps'))) {
      const mapPath = path.join(haproxyDir, 'maps', file);
      const [shown = ''] = await api.execute([`show map ${mapPath}`]);
      // Each line: `<entry id> <key> <value>`.
      const entries = shown
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => l.split(' ').slice(1))
        .map(([k = '', ...v]) => [k, v.join(' ')] as [string, string]);
      maps.set(mapPath, entries);
    }
    const servers = (await readStats(api)).filter((r) => r.backend.startsWith('rev') && r.server !== 'BACKEND');
    api.close();
    const [server] = servers;
    if (server === undefined || servers.length !== 1) throw new Error(`expected one instance in the slot backends, found ${servers.length}`);
    const slim = Number(server.fields['slim']);
    return {
      config: readFileSync(path.join(haproxyDir, 'haproxy.cfg'), 'utf8'),
      maps,
      instance: { backend: server.backend, maxconn: server.fields['slim'] === '' || !Number.isFinite(slim) ? undefined : slim },
      key: up.demoKey,
    };
  } finally {
    await up.stop();
  }
}

/** The copied config with its files in `dir` and its front door on `port`. */
function retarget(config: string, copy: Copy, dir: string, port: number): string {
  const [first = ''] = [...copy.maps.keys()];
  const mapDir = path.dirname(first);
  const haproxyDir = path.dirname(mapDir);
  return config
    .replaceAll(`${mapDir}/`, `${dir}/`)
    .replaceAll(`${haproxyDir}/admin.sock`, `${dir}/admin.sock`)
    .replace(/^ {2}bind 127\.0\.0\.1:\d+$/m, `  bind 127.0.0.1:${port}`);
}

/**
 * A line with its map lookups replaced by the one value they give (every
 * entry of the map the same, as for one route, one key, one revision); a
 * lookup in a map without entries goes with its line.
 */
/** (a): a `listen` with one server, keep-alive to it, as little else as HAProxy runs with. */
function bareConfig(port: number, backendPort: number): string {
  return `global
  nbthread 1
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen bare
  bind 127.0.0.1:${port}
  server backend 127.0.0.1:${backendPort}
`;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`haproxy on port ${port} did not start (exit ${child.exitCode})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

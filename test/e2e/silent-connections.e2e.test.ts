/**
 * Black-box: connections that send nothing cannot lock anyone out (issue 9).
 * With small caps, 3× the cap of silent connections on the gateway and on
 * the admin port leave a normal gateway request and an admin API call
 * answering within 1 s; with the default caps, so do 24,000 silent
 * connections held from three processes (a single process may not hold that
 * many files). While they pile up every client is answered, though a new
 * connection can then wait for a SYN retransmit when the accept queue is
 * full, so the 1 s holds once they are held. Either way the platform's open
 * files stay within its caps, and SIGTERM stops it at once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';
import { REPO } from './spam-model.js';

interface Platform {
  up: MlaasUp;
  dir: string;
  gatewayPort: number;
  adminPort: number;
  token: string;
}

async function startPlatform(connections: string): Promise<Platform> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-silent-'));
  writeNodeService(path.join(dir, 'work'), "  res.end('ok');");
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/work', address: 'mlaas://work/work' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `${connections}stateDir: state
services:
  work:
    source: work
    command: [node, server.mjs]
    scaling: { minInstances: 1 }
tenants:
  demo: { demoKey: true }
`,
  );
  const up = await startMlaasUp(dir, 'state');
  const stateDir = path.join(dir, 'state');
  const { gatewayUrl, adminUrl } = JSON.parse(readFileSync(path.join(stateDir, 'endpoint.json'), 'utf8')) as { gatewayUrl: string; adminUrl: string };
  return {
    up,
    dir,
    gatewayPort: Number(new URL(gatewayUrl).port),
    adminPort: Number(new URL(adminUrl).port),
    token: readFileSync(path.join(stateDir, 'admin-token'), 'utf8').trim(),
  };
}

async function stopPlatform(p: Platform | undefined): Promise<void> {
  if (p === undefined) return;
  await p.up.stop('SIGTERM');
  rmSync(p.dir, { recursive: true, force: true });
}

/** One request on a new connection (as a client arriving now would), timed to the last byte of its answer. */
function timed(port: number, method: string, urlPath: string, headers: Record<string, string>): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/** A normal gateway request with the demo key and an admin API call with the token. */
async function normalClients(p: Platform): Promise<Array<{ status: number; ms: number }>> {
  const gateway = await timed(p.gatewayPort, 'POST', '/v1/work', { 'x-api-key': p.up.demoKey, 'content-type': 'application/json' });
  const admin = await timed(p.adminPort, 'GET', '/v1/status', { authorization: `Bearer ${p.token}` });
  return [gateway, admin];
}

/** How many of these connections the server has closed, polled until `expected` or 2 s. */
async function closedByServer(sockets: readonly Socket[], expected: number): Promise<number> {
  const deadline = Date.now() + 2_000;
  let closed = sockets.filter((s) => s.destroyed).length;
  while (closed < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    closed = sockets.filter((s) => s.destroyed).length;
  }
  return closed;
}

function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function openSilent(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
          socket.on('error', reject);
        }),
    ),
  );
}

/** Open files beyond what the platform had before and its connection caps: an upstream connection opened meanwhile. */
const FILE_SLACK = 8;

interface Held {
  opened: number;
  closedByServer: number;
  errors: number;
  firstError?: string;
}

/**
 * A child process holding silent connections from its own loopback address (each address has its own ephemeral ports).
 * It runs at a lower CPU priority (nice 10): an attacker's CPU is not the server's, and three holders opening
 * connections as fast as they can at the platform's own priority took most of both cores from it (answers of 1.2 s
 * alone and 2.4 s in CI were its own wait for a core, not the platform's).
 */
function holdSilent(localAddress: string, targets: ReadonlyArray<[number, number]>): { held: Promise<Held>; release(): void } {
  const child = spawn('nice', [
    '-n',
    '10',
    process.execPath,
    path.join(REPO, 'test', 'e2e', 'fixtures', 'hold-silent-connections.mjs'),
    localAddress,
    ...targets.flatMap(([port, count]) => [String(port), String(count)]),
  ]);
  let out = '';
  const held = new Promise<Held>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as Held);
    });
    child.once('exit', (code) => reject(new Error(`connection holder exited (${code}) before reporting`)));
  });
  return { held, release: () => child.stdin.end() };
}

describe('with small caps (gateway 20, admin API 8)', () => {
  let p: Platform | undefined;
  beforeAll(async () => {
    p = await startPlatform(`gateway: { document: api-gateway.yaml, connections: { max: 20 } }
controlPlane: { connections: { max: 8 } }
`);
  }, 120_000);
  afterAll(() => stopPlatform(p), 60_000);

  it('answers a gateway request and an admin API call within 1 s while 3× each cap of silent connections are held', async () => {
    const platform = p as Platform;
    const pid = platform.up.child.pid as number;
    expect((await normalClients(platform)).map((r) => r.status)).toEqual([200, 200]);
    const before = openFiles(pid);

    const silent = [...(await openSilent(platform.gatewayPort, 60)), ...(await openSilent(platform.adminPort, 24))];
    for (const answer of await normalClients(platform)) {
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(1_000);
    }
    expect(openFiles(pid)).toBeLessThanOrEqual(before + 20 + 8 + FILE_SLACK);
    // The server closed the longest-idle ones to make room: all but a cap's worth of each.
    expect(await closedByServer(silent, 60 - 20 + (24 - 8))).toBeGreaterThanOrEqual(60 - 20 + (24 - 8));
    for (const s of silent) s.destroy();
  }, 60_000);

  it('stops on SIGTERM within 5 s while silent connections are held', async () => {
    const platform = p as Platform;
    const silent = [...(await openSilent(platform.gatewayPort, 10)), ...(await openSilent(platform.adminPort, 4))];
    silent[0]?.write('GET /v1/wo');
    const exited = await Promise.race([platform.up.stop('SIGTERM'), new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5_000))]);
    for (const s of silent) s.destroy();
    expect(exited).toBe(0);
  }, 60_000);
});

describe('with the default caps', () => {
  let p: Platform | undefined;
  beforeAll(async () => {
    p = await startPlatform('gateway: { document: api-gateway.yaml }\n');
  }, 120_000);
  afterAll(() => stopPlatform(p), 60_000);

  it('answers a gateway request and an admin API call within 1 s while 24,000 silent connections are held, its open files within its caps', async () => {
    const platform = p as Platform;
    const pid = platform.up.child.pid as number;
    expect((await normalClients(platform)).map((r) => r.status)).toEqual([200, 200]);
    const before = openFiles(pid);
    const softLimit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1]);
    const caps = Math.floor(softLimit / 2) + 64;

    const holders = [
      holdSilent('127.0.0.2', [[platform.gatewayPort, 8_000]]),
      holdSilent('127.0.0.3', [[platform.gatewayPort, 8_000]]),
      holdSilent('127.0.0.4', [
        [platform.gatewayPort, 4_000],
        [platform.adminPort, 4_000],
      ]),
    ];
    try {
      // Clients keep arriving while the connections pile up: none is locked out, none waits long.
      const during: Array<{ status: number; ms: number }> = [];
      let mostOpenFiles = 0;
      let flooding = true;
      const sampling = (async () => {
        while (flooding) {
          during.push(...(await normalClients(platform)));
          mostOpenFiles = Math.max(mostOpenFiles, openFiles(pid));
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const held = await Promise.all(holders.map((h) => h.held));
      flooding = false;
      await sampling;
      expect(held.reduce((n, h) => n + h.opened, 0)).toBe(24_000);
      expect(held.map((h) => h.firstError)).toEqual([undefined, undefined, undefined]);
      expect(during.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
      console.log(`during the flood: ${during.length} answers, slowest ${Math.round(Math.max(...during.map((r) => r.ms)))} ms`);
      // Opening 24,000 connections keeps both cores busy (with the holders at the platform's priority, 855 ms and
      // once 2.4 s were seen with the rest of the suite beside it; 50-400 ms alone with them at nice 10):
      // bounded here at 2 s so that it does not flake; the 1 s bound holds below, once they are held.
      expect(during.filter((r) => r.ms >= 2_000)).toEqual([]);

      // While they are held, every client is answered within 1 s.
      for (let i = 0; i < 8; i++) {
        for (const answer of await normalClients(platform)) {
          expect(answer.status).toBe(200);
          expect(answer.ms).toBeLessThan(1_000);
        }
        mostOpenFiles = Math.max(mostOpenFiles, openFiles(pid));
        await new Promise((r) => setTimeout(r, 250));
      }
      // Within the two caps, plus what it had open before and a few upstream connections.
      expect(mostOpenFiles).toBeLessThanOrEqual(before + caps + FILE_SLACK);
    } finally {
      for (const h of holders) h.release();
    }
  }, 120_000);
});

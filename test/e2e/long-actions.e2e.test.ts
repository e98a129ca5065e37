/**
 * Black-box: the admin API's long actions (models push, deploy) through the
 * real binary answer with an honest status. A client that asks for no stream
 * (curl, a plain fetch) waits and gets the outcome's status; one that sends
 * `Accept: application/x-ndjson` (the CLI) gets progress lines, and a failure
 * after them ends the stream with the problem and an `x-mlaas-status` trailer.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packSource } from '../../src/artifacts/index.js';
import { buildAddModel } from '../../src/models/fixtures/tiny-onnx-model.js';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;
let adminUrl: string;
let token: string;

/** A service whose build script fails: what a broken `npm run build` looks like to mlaas. */
function writeBrokenBuild(target: string): string {
  writeNodeService(target, `  res.end('never');`);
  writeFileSync(path.join(target, 'package.json'), JSON.stringify({ name: 'broken', version: '1.0.0', scripts: { build: 'echo compiling; exit 7' } }));
  return target;
}

function admin(route: string, init: { method: string; body: Uint8Array; headers?: Record<string, string> }): Promise<Response> {
  return fetch(new URL(route, adminUrl), { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
}

interface Streamed {
  status: number;
  headers: http.IncomingHttpHeaders;
  lines: Array<Record<string, unknown>>;
  trailers: NodeJS.Dict<string>;
}

/** A request as a streaming client makes it, read to the end with its trailers (fetch does not show them). */
function streamed(route: string, body: Uint8Array): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(route, adminUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson', 'content-length': body.byteLength },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const lines = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, lines, trailers: res.trailers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-long-'));
  writeNodeService(path.join(dir, 'echo'), `  res.end('echo');`);
  writeBrokenBuild(path.join(dir, 'broken'));
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/echo' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo
    command: [node, server.mjs]
`,
  );
  up = await startMlaasUp(dir, 'state');
  adminUrl = (JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string }).adminUrl;
  token = readFileSync(path.join(dir, 'state', 'admin-token'), 'utf8').trim();
}, 120_000);

afterAll(async () => {
  await up.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('long admin actions answer with their real status', () => {
  it('answers a plain client pushing a file that is not a model with 400 problem+json, and a good one with the version as JSON', async () => {
    const bad = await admin('/v1/models/calc/versions', { method: 'POST', body: Buffer.from('not a model') });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ code: 'MODEL_INVALID', status: 400, detail: expect.stringContaining('is not an ONNX model') });

    const good = await admin('/v1/models/calc/versions', { method: 'POST', body: buildAddModel(3) });
    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toBe('application/json');
    expect(await good.json()).toMatchObject({ name: 'calc', version: 1 });
  });

  it('answers a plain client whose deploy fails its build with 422 problem+json naming the build script', async () => {
    const packed = await packSource(path.join(dir, 'broken'));
    const res = await admin('/v1/services/echo/deploy', { method: 'POST', body: packed.bytes, headers: { 'content-type': 'application/gzip' } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'ARTIFACT_BUILD_FAILED', detail: expect.stringContaining('exit 7') });
  }, 60_000);

  it('streams progress to a client that asks for it, then the problem line and the status in a declared trailer', async () => {
    const packed = await packSource(path.join(dir, 'broken'));
    const res = await streamed('/v1/services/echo/deploy', packed.bytes);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    expect(res.headers['trailer']).toBe('x-mlaas-status');
    expect(res.lines.filter((l) => typeof l['step'] === 'string').map((l) => l['step'])).toContain('build');
    expect(res.lines.at(-1)).toMatchObject({ error: { code: 'ARTIFACT_BUILD_FAILED', status: 422 } });
    expect(res.trailers['x-mlaas-status']).toBe('422');
  }, 60_000);

  it('answers a streaming client with the real status, not a stream, when the action fails before it starts', async () => {
    const res = await streamed('/v1/models/calc/versions', Buffer.from('not a model'));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.lines[0]).toMatchObject({ code: 'MODEL_INVALID' });
  });

  it('shows the CLI the push progress, and the error of a file that is not a model with exit 1', async () => {
    const model = buildAddModel(3);
    writeFileSync(path.join(dir, 'calc.onnx'), model);
    writeFileSync(path.join(dir, 'garbage.onnx'), 'not a model');
    const good = await up.cli(['models', 'push', 'calc', 'calc.onnx']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toContain(`\n  stored ${model.byteLength} B of ${model.byteLength} B\n`);
    expect(good.stdout).toMatch(/^pushed calc@\d+ {2}sha256:[0-9a-f]{64}$/m);
    const bad = await up.cli(['models', 'push', 'calc', 'garbage.onnx']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*is not an ONNX model.* \[MODEL_INVALID\]$/m);
  });

  it('shows the CLI the deploy progress and the error, and exits 1', async () => {
    const r = await up.cli(['deploy', 'echo', '--source', path.join(dir, 'broken')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ {2}packed \d+ files/m);
    expect(r.stderr).toMatch(/^ {2}build: echo compiling; exit 7$/m);
    expect(r.stderr).toMatch(
      /^error: echo-\d{5} failed to build; traffic is unchanged: build script "echo compiling; exit 7" failed \(exit code 7\):\ncompiling \[ARTIFACT_BUILD_FAILED\]$/m,
    );
  }, 60_000);
});

/**
 * Black-box: the real `mlaas` binary (built into dist/), started on free
 * ports with the spam-filter demo (the model seeded into the store, served by
 * the example's code and by the built-in ONNX server), called as a client
 * would, then stopped — leaving no child process behind.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurize } from '../../examples/spam-filter/tokenize.js';
import { BIN, isAlive, startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { ensureSpamModel, REPO, SPAM_MODEL, SPAM_TEXT, HAM_TEXT } from './spam-model.js';

const run = promisify(execFile);

let dir: string;
let up: MlaasUp;
let gatewayUrl: string;
let demoKey: string;

function mlaasYaml(extra = ''): string {
  return `gateway:
  document: api-gateway.yaml
  maxBodyBytes: 65536
stateDir: state
models:
  seed: { spam: { file: ${SPAM_MODEL}, alias: production } }
services:
  spam-filter:
    source: ${path.join(REPO, 'examples', 'spam-filter')}
    command: [node, dist/server.js]
    models:
      classifier: spam@production
    scaling: { minInstances: 1 }
  inference:
    runtime: onnx
    models: { spam: spam@production }
    onnx: { padding: { indices: 0 } }
    scaling: { minInstances: 1 }
tenants:
  demo:
    demoKey: true
    config: { spamThreshold: 0.5 }
  acme: {}
${extra}`;
}

function predict(body: string, headers: Record<string, string> = { 'x-api-key': demoKey }): Promise<Response> {
  return fetch(`${gatewayUrl}/v1/spam-filter/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

beforeAll(async () => {
  ensureSpamModel();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-'));
  copyFileSync(path.join(REPO, 'api-gateway.yaml'), path.join(dir, 'api-gateway.yaml'));
  writeFileSync(path.join(dir, 'mlaas.yaml'), mlaasYaml());
  up = await startMlaasUp(dir, 'state');
  gatewayUrl = up.gatewayUrl;
  demoKey = up.demoKey;
}, 120_000);

afterAll(() => {
  if (up.child.exitCode === null) up.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('mlaas up with the spam-filter demo', () => {
  it('prints the gateway URL, a demo key and a ready service', () => {
    expect(gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demoKey).toMatch(/^mlk_[a-z2-7]{12}_/);
    const { stdout } = up.output();
    expect(stdout).toMatch(/spam-filter: 1 ready, spam-filter-00001 \(100%\)/);
    expect(stdout).toMatch(/inference: 1 ready, inference-00001 \(100%\)/);
  });

  it('serves the same model with no code, over the Open Inference Protocol V2', async () => {
    const indices = featurize(SPAM_TEXT);
    const res = await fetch(`${gatewayUrl}/v2/models/spam/infer`, {
      method: 'POST',
      headers: { 'x-api-key': demoKey, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'indices', shape: [1, indices.length], datatype: 'INT64', data: indices }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model_name: string; model_version: string; outputs: Array<{ name: string; data: number[] }> };
    expect(body).toMatchObject({ model_name: 'spam', model_version: '1', outputs: [{ name: 'spam_probability' }] });
    expect(body.outputs[0]?.data[0]).toBeGreaterThan(0.5);
  });

  it('labels a spam and a ham message correctly through the gateway', async () => {
    const spam = await predict(JSON.stringify({ text: SPAM_TEXT }));
    expect(spam.status).toBe(200);
    const spamBody = (await spam.json()) as { spam_probability: number; label: string };
    expect(spamBody.label).toBe('spam');
    expect(spamBody.spam_probability).toBeGreaterThan(0.5);

    const ham = await predict(JSON.stringify({ text: HAM_TEXT }));
    const hamBody = (await ham.json()) as { spam_probability: number; label: string };
    expect(hamBody.label).toBe('ham');
    expect(hamBody.spam_probability).toBeLessThan(0.5);
  });

  it("serves the article's own path element with the key in the query, Google's way", async () => {
    const res = await fetch(`${gatewayUrl}/v1/service-1/endpoint-1?key=${encodeURIComponent(demoKey)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: SPAM_TEXT }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { label: string }).label).toBe('spam');
  });

  it('answers 401 problem+json without a key', async () => {
    const res = await predict(JSON.stringify({ text: HAM_TEXT }), {});
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('GW_KEY_MISSING');
  });

  it('gives each kind of bad input its documented error and stays up', async () => {
    const malformed = await predict('{"text": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe('SDK_JSON_MALFORMED');

    const missing = await predict('{}');
    expect(missing.status).toBe(400);
    const missingBody = (await missing.json()) as { code: string; errors: { path: string }[] };
    expect(missingBody.code).toBe('SDK_BODY_INVALID');
    expect(missingBody.errors.map((e) => e.path)).toContain('text');

    const oversized = await predict(JSON.stringify({ text: 'x'.repeat(100_000) }));
    expect(oversized.status).toBe(413);
    expect(((await oversized.json()) as { code: string }).code).toBe('GW_BODY_TOO_LARGE');

    const unknown = await fetch(`${gatewayUrl}/v1/nothing-here`, { headers: { 'x-api-key': demoKey } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('GW_ROUTE_NOT_FOUND');

    const wrongMethod = await fetch(`${gatewayUrl}/v1/spam-filter/predict`, { headers: { 'x-api-key': demoKey } });
    expect(wrongMethod.status).toBe(405);

    const after = await predict(JSON.stringify({ text: HAM_TEXT }));
    expect(after.status).toBe(200);
    expect(up.child.exitCode).toBeNull();
  });

  it('creates a working key with `mlaas keys create` and shows the service in `mlaas status`', async () => {
    const key = (await up.cliOk(['keys', 'create', '--tenant', 'acme'])).trim();
    expect(key).toMatch(/^mlk_/);
    expect((await predict(JSON.stringify({ text: HAM_TEXT }), { 'x-api-key': key })).status).toBe(200);

    const unknownTenant = await up.cli(['keys', 'create', '--tenant', 'nobody']);
    expect(unknownTenant.code).toBe(1);
    expect(unknownTenant.stderr).toContain('nobody');

    const parsed = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: { service: string; ready: number }[] };
    expect(parsed.services.map((s) => [s.service, s.ready]).sort()).toEqual([
      ['inference', 1],
      ['spam-filter', 1],
    ]);
  });

  it('plans no change for the files it started from: `mlaas plan --detailed-exitcode` exits 0', async () => {
    const plan = await up.cli(['plan', '--detailed-exitcode']);
    expect(plan).toMatchObject({ code: 0, stdout: 'No changes: the platform matches the files.\n' });
  });

  it('stops on SIGTERM, leaving no child process', async () => {
    const pids = (JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: { instances: { pid: number }[] }[] }).services.flatMap((s) =>
      s.instances.map((i) => i.pid),
    );
    expect(pids.length).toBe(2);
    expect(pids.every(isAlive)).toBe(true);

    expect(await up.stop('SIGTERM')).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(path.join(dir, 'state', 'state.db'))).toBe(true);
  });
});

describe('mlaas up with a bad mlaas.yaml', () => {
  it('refuses to start and lists every error by its field path', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-bad-'));
    try {
      copyFileSync(path.join(REPO, 'api-gateway.yaml'), path.join(bad, 'api-gateway.yaml'));
      writeFileSync(
        path.join(bad, 'mlaas.yaml'),
        mlaasYaml().replace('minInstances: 1', 'minInstances: -1, maxInstances: 0').replace('acme: {}', 'acme: { colour: red }'),
      );
      const result = await run(process.execPath, [BIN, 'up', '-f', 'mlaas.yaml', '--port', '0', '--admin-port', '0'], {
        cwd: bad,
      }).catch((e: { code: number; stderr: string; stdout: string }) => e);
      expect((result as { code: number }).code).toBe(1);
      const err = (result as { stderr: string }).stderr;
      expect(err).toContain('CONFIG_INVALID');
      expect(err).toContain('services.spam-filter.scaling.minInstances');
      expect(err).toContain('tenants.acme');
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

/**
 * Black-box: the model store and `runtime: onnx` services through the real
 * binary. Push two versions of a model the test builds (y = x + version, so
 * the answer names the version), serve it on an alias, move the alias with a
 * 10% canary and see both versions answer, promote, roll back; corrupted
 * bytes in the store (and in the cache) keep the new revision from becoming
 * ready while the old one serves; V2 infer on the spam model and on the
 * test's own model, with 400s naming the bad input. Then the same push and
 * serve against an S3 model store (s3rver, a real S3-compatible server).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurize } from '../../examples/spam-filter/tokenize.js';
import { defaultCacheDir } from '../../src/artifacts/index.js';
import { startS3rver, type RunningS3rver } from '../../src/models/fixtures/start-s3rver.js';
import { buildOffsetModel, buildUnloadableModel } from '../../src/models/fixtures/tiny-onnx-model.js';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { ensureSpamModel, HAM_TEXT, SPAM_MODEL, SPAM_TEXT } from './spam-model.js';

/** The gateway document for the services declared: `/v1/calc` → calc, V2 paths → inference. */
function gatewayDoc(services: { calc?: boolean; inference?: boolean }): string {
  return `swagger: '2.0'
info: { title: models-e2e, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
paths:
${
  services.calc === true
    ? `  /v1/calc:
    post:
      x-google-backend: { address: 'mlaas://calc/v2/models/calc/infer' }
      responses: { '200': { description: ok } }
`
    : ''
}${
  services.inference === true
    ? `  /v2/models/{model}/infer:
    post:
      parameters: [{ name: model, in: path, required: true, type: string }]
      x-google-backend: { address: 'mlaas://inference', path_translation: APPEND_PATH_TO_ADDRESS }
      responses: { '200': { description: ok } }
`
    : ''
}`;
}

const TENANTS = `tenants:
  demo: { demoKey: true }
`;

interface InferAnswer {
  status: number;
  version?: string;
  y?: number[];
  detail?: string;
  code?: string;
}

/** The file holding a version's bytes in an fs model store: the blob its meta.json names. */
function storedBytes(modelsDir: string, name: string, version: number): string {
  const meta = JSON.parse(readFileSync(path.join(modelsDir, name, 'versions', String(version), 'meta.json'), 'utf8')) as { blob: string };
  return path.join(modelsDir, name, meta.blob);
}

async function inferCalc(up: MlaasUp, x: number[] = [0, 0, 0], datatype = 'FP32'): Promise<InferAnswer> {
  const res = await fetch(`${up.gatewayUrl}/v1/calc`, {
    method: 'POST',
    headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, x.length], datatype, data: x }] }),
  });
  const body = (await res.json()) as { model_version?: string; outputs?: Array<{ data: number[] }>; detail?: string; code?: string };
  return { status: res.status, version: body.model_version, y: body.outputs?.[0]?.data, detail: body.detail, code: body.code };
}

/** Which version answered `n` calls, by the model's numeric result (y = 0 + version). */
async function answeringVersions(up: MlaasUp, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await inferCalc(up);
    const key = r.status === 200 ? String(r.y?.[0]) : `status-${r.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('model store with the filesystem backend', () => {
  let dir: string;
  let up: MlaasUp;
  const stateDir = () => path.join(dir, 'state');

  function writeConfig(withCalc: boolean): void {
    writeFileSync(path.join(dir, 'api-gateway.yaml'), gatewayDoc({ calc: withCalc, inference: true }));
    writeFileSync(
      path.join(dir, 'mlaas.yaml'),
      `gateway: { document: api-gateway.yaml }
stateDir: state
models:
  seed: { spam: { file: ${SPAM_MODEL}, alias: production } }
services:
  inference:
    runtime: onnx
    models: { spam: spam@production }
    onnx: { padding: { indices: 0 } }
    scaling: { minInstances: 1 }
${withCalc ? `  calc:\n    runtime: onnx\n    models: { calc: calc@production }\n    scaling: { minInstances: 1 }\n` : ''}${TENANTS}`,
    );
  }

  beforeAll(async () => {
    ensureSpamModel();
    dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-models-'));
    for (const v of [1, 2, 3]) writeFileSync(path.join(dir, `calc-${v}.onnx`), buildOffsetModel(v));
    writeFileSync(path.join(dir, 'calc-unloadable.onnx'), buildUnloadableModel());
    writeConfig(false);
    up = await startMlaasUp(dir, 'state');
  }, 180_000);

  afterAll(async () => {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds the spam model on first start and pushes two versions of a model, reading its signature from the file', async () => {
    const pushed1 = JSON.parse(await up.cliOk(['models', 'push', 'calc', 'calc-1.onnx', '--meta', 'offset=1', '-o', 'json'])) as { version: number };
    const pushed2 = JSON.parse(await up.cliOk(['models', 'push', 'calc', 'calc-2.onnx', '-o', 'json'])) as { version: number };
    expect([pushed1.version, pushed2.version]).toEqual([1, 2]);
    const aliased = await up.cli(['models', 'alias', 'calc', 'production', '1']);
    expect(aliased.code).toBe(0);
    expect(aliased.stdout).toContain('no service follows this alias');

    const list = JSON.parse(await up.cliOk(['models', 'list', '-o', 'json'])) as Array<{ name: string; versions: number[]; aliases: Record<string, number> }>;
    expect(list).toEqual([
      { name: 'calc', versions: [1, 2], latest: 2, aliases: { production: 1 } },
      { name: 'spam', versions: [1], latest: 1, aliases: { production: 1 } },
    ]);
    const shown = JSON.parse(await up.cliOk(['models', 'show', 'calc@production', '-o', 'json'])) as Record<string, unknown>;
    expect(shown).toMatchObject({
      name: 'calc',
      version: 1,
      format: 'onnx',
      metrics: { offset: '1' },
      aliases: ['production'],
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
    });
    expect(shown['sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves a runtime: onnx service declared on the alias, and keeps what served across a restart', async () => {
    await up.stop();
    writeConfig(true);
    up = await startMlaasUp(dir, 'state');
    expect(up.output().stdout).toMatch(/service\s+calc: 1 ready, calc-00001 \(100%\)/);
    // The spam model was not pushed again and the inference revision was not remade.
    expect(up.output().stdout).toMatch(/service\s+inference: 1 ready, inference-00001 \(100%\)/);
    expect(await inferCalc(up, [1, 2, 3])).toMatchObject({ status: 200, version: '1', y: [2, 3, 4] });
  }, 180_000);

  it('answers V2 infer for the spam model, and 400 naming the input for a wrong datatype or shape', async () => {
    const infer = async (text: string) => {
      const indices = featurize(text);
      const res = await fetch(`${up.gatewayUrl}/v2/models/spam/infer`, {
        method: 'POST',
        headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'indices', shape: [1, indices.length], datatype: 'INT64', data: indices }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { model_version: string; outputs: Array<{ name: string; data: number[] }> };
      expect(body.model_version).toBe('1');
      return body.outputs[0]?.data[0] ?? Number.NaN;
    };
    expect(await infer(SPAM_TEXT)).toBeGreaterThan(0.5);
    expect(await infer(HAM_TEXT)).toBeLessThan(0.5);

    const wrongType = await fetch(`${up.gatewayUrl}/v2/models/spam/infer`, {
      method: 'POST',
      headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'indices', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }),
    });
    expect(wrongType.status).toBe(400);
    expect(((await wrongType.json()) as { detail: string }).detail).toMatch(/indices.*expected datatype INT64, got FP32/);

    const wrongShape = await inferCalc(up, [1, 2, 3, 4]);
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.code).toBe('SERVING_INPUT_INVALID');
    expect(wrongShape.detail).toContain('(x)');
    expect((await inferCalc(up, [1, 2, 3], 'INT64')).detail).toMatch(/\(x\).*FP32/);
  });

  it('moves the alias with a 10% canary: both versions answer; promote, then roll back', async () => {
    const moved = await up.cli(['models', 'alias', 'calc', 'production', '2', '--rollout', 'canary=10']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('alias: calc@production: calc@1 → calc@2');
    expect(moved.stdout).toMatch(/calc\s+calc-00001\s+calc-00002\s+calc-00001=90% calc-00002=10%@canary/);

    const split = await answeringVersions(up, 200);
    expect(Object.keys(split).sort()).toEqual(['1', '2']);
    expect(split['2']).toBeGreaterThan(4);
    expect(split['2']).toBeLessThan(50);

    await up.cliOk(['traffic', 'calc', '--to-latest']);
    expect(await answeringVersions(up, 20)).toEqual({ '2': 20 });
    expect((await inferCalc(up)).version).toBe('2');

    await up.cliOk(['rollback', 'calc']);
    expect(await answeringVersions(up, 20)).toEqual({ '1': 20 });
  });

  it('refuses to remove a version an alias points at, or a revision may serve again, naming the revisions', async () => {
    const aliased = await up.cli(['models', 'rm', 'calc', '2']);
    expect(aliased.code).toBe(1);
    expect(aliased.stderr).toContain('calc@2 cannot be removed: alias calc@production points at it');
    // calc-00001 serves version 1 already: moving the alias back makes no new revision.
    const back = await up.cli(['models', 'alias', 'calc', 'production', '1']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('calc-00001 already serves calc@1');
    // calc-00002 no longer has traffic, but it served all of it once: rollback may go back to it.
    const inUse = await up.cli(['models', 'rm', 'calc', '2']);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain('calc@2 cannot be removed: it is in use by calc-00002 [MODEL_VERSION_IN_USE]');
  });

  it('keeps a revision whose model bytes were corrupted behind its back from becoming ready; the old one serves', async () => {
    const before = await inferCalc(up);
    expect(before).toMatchObject({ status: 200, y: [1, 1, 1] });
    await up.cliOk(['models', 'push', 'calc', 'calc-3.onnx']);
    writeFileSync(storedBytes(path.join(stateDir(), 'models'), 'calc', 3), buildOffsetModel(666));

    const moved = await up.cli(['models', 'alias', 'calc', 'production', '3']);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('digest mismatch');
    const revisions = JSON.parse(await up.cliOk(['revisions', 'calc', '-o', 'json'])) as Array<{ name: string; state: string; reason?: string; percent: number }>;
    const newest = revisions.at(-1);
    expect(newest?.state).toBe('failed');
    expect(newest?.reason).toMatch(/model calc \(calc@3\): .*digest mismatch.*expected sha256 [0-9a-f]{64}/);
    expect(revisions.find((r) => r.percent === 100)?.state).toBe('ready');
    expect(await answeringVersions(up, 20)).toEqual({ '1': 20 });

    // The same with a version already in the cache: both copies changed, the digest still catches it.
    const v2 = JSON.parse(await up.cliOk(['models', 'show', 'calc@2', '-o', 'json'])) as { sha256: string };
    const cached = path.join(defaultCacheDir(), 'models', v2.sha256, 'model.onnx');
    expect(readdirSync(path.dirname(cached))).toContain('model.onnx');
    writeFileSync(cached, buildOffsetModel(777));
    writeFileSync(storedBytes(path.join(stateDir(), 'models'), 'calc', 2), buildOffsetModel(777));
    const again = await up.cli(['models', 'alias', 'calc', 'production', '2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('digest mismatch');
    expect(await answeringVersions(up, 20)).toEqual({ '1': 20 });
  });

  it('keeps a revision whose model ONNX Runtime cannot load from becoming ready; the old one serves', async () => {
    const pushed = JSON.parse(await up.cliOk(['models', 'push', 'calc', 'calc-unloadable.onnx', '-o', 'json'])) as { version: number };
    const moved = await up.cli(['models', 'alias', 'calc', 'production', String(pushed.version)]);
    expect(moved.code).toBe(1);
    const revisions = JSON.parse(await up.cliOk(['revisions', 'calc', '-o', 'json'])) as Array<{ state: string; reason?: string; percent: number }>;
    expect(revisions.at(-1)?.state).toBe('failed');
    expect(revisions.at(-1)?.reason).toMatch(/exited with code 1|before becoming ready/);
    expect(revisions.find((r) => r.percent === 100)?.state).toBe('ready');
    expect(await answeringVersions(up, 20)).toEqual({ '1': 20 });
  });
});

describe('model store with the S3 backend (s3rver)', () => {
  let dir: string;
  let s3: RunningS3rver;
  let up: MlaasUp;

  beforeAll(async () => {
    ensureSpamModel();
    s3 = await startS3rver('mlaas-models');
    dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-s3-'));
    writeFileSync(path.join(dir, 'api-gateway.yaml'), gatewayDoc({ calc: true }));
    writeFileSync(path.join(dir, 'calc-1.onnx'), buildOffsetModel(1));
    writeFileSync(path.join(dir, 'calc-2.onnx'), buildOffsetModel(2));
    writeFileSync(
      path.join(dir, 'mlaas.yaml'),
      `gateway: { document: api-gateway.yaml }
stateDir: state
models:
  store: { kind: s3, bucket: ${s3.bucket}, prefix: team-a, endpoint: '${s3.endpoint}', forcePathStyle: true }
services:
  calc:
    runtime: onnx
    models: { calc: calc@production }
    scaling: { minInstances: 1 }
${TENANTS}`,
    );
    up = await startMlaasUp(dir, 'state', 120_000, {
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    });
  }, 180_000);

  afterAll(async () => {
    await up?.stop();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pushes and serves models from the bucket: the alias deploys the waiting service, a move rolls out', async () => {
    expect(up.output().stdout).toMatch(/service\s+calc: NOT READY — models.calc: model calc not found in s3:\/\/mlaas-models\/team-a\//);
    await up.cliOk(['models', 'push', 'calc', 'calc-1.onnx']);
    const first = await up.cli(['models', 'alias', 'calc', 'production', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/calc\s+-\s+calc-00001\s+calc-00001=100%/);
    expect(await inferCalc(up)).toMatchObject({ status: 200, version: '1', y: [1, 1, 1] });

    const pushed = JSON.parse(await up.cliOk(['models', 'push', 'calc', 'calc-2.onnx', '-o', 'json'])) as { version: number };
    expect(pushed.version).toBe(2);
    const models = JSON.parse(await up.cliOk(['models', 'list', '-o', 'json'])) as unknown;
    expect(models).toEqual([{ name: 'calc', versions: [1, 2], latest: 2, aliases: { production: 1 } }]);

    await up.cliOk(['models', 'alias', 'calc', 'production', '2']);
    expect(await answeringVersions(up, 10)).toEqual({ '2': 10 });
    const revisions = JSON.parse(await up.cliOk(['revisions', 'calc', '-o', 'json'])) as Array<{ name: string; percent: number }>;
    expect(revisions.map((r) => [r.name, r.percent])).toEqual([
      ['calc-00001', 0],
      ['calc-00002', 100],
    ]);
  });
});

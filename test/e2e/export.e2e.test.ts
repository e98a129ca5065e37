/**
 * Black-box: `mlaas export` of the spam-filter demo from a running platform
 * and of the FastAPI example from its files alone, for Knative and Cloud
 * Run. Every exported file is checked as the target's tools read it (the
 * Knative CRD, Cloud Build's schema, swagger-parser, each Dockerfile parsed
 * with its COPY sources present); a second export writes the same bytes.
 * Then the round trip: the exported Knative Services applied to a fresh
 * platform (`mlaas apply -f services/NAME.yaml`) make the same services —
 * `mlaas plan` of the demo's mlaas.yaml is empty there — and the spam
 * filter answers as it did before.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportProblems, filesOf } from '../export-checks.js';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { ensureSpamModel, REPO, SPAM_MODEL, SPAM_TEXT, HAM_TEXT } from './spam-model.js';

const TENANTS = `models:
  seed: { spam: { file: ${SPAM_MODEL}, alias: production } }
tenants:
  demo:
    demoKey: true
    config: { spamThreshold: 0.5 }
  acme: {}
`;

const DEMO = `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  spam-filter:
    source: ${path.join(REPO, 'examples', 'spam-filter')}
    command: [node, dist/server.js]
    env: { LOG_LEVEL: info }
    models:
      classifier: spam@production
    scaling: { minInstances: 1, maxInstances: 3, target: 20, panicWindowPercentage: 20 }
    timeoutSeconds: 60
  inference:
    runtime: onnx
    models: { spam: spam@production }
    onnx: { maxBatchSize: 16, padding: { indices: 0 } }
    scaling: { minInstances: 1 }
${TENANTS}`;

const FASTAPI = `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  fastapi-sentiment:
    source: ${path.join(REPO, 'examples', 'fastapi-sentiment')}
    command: [python, serve.py]
    scaling: { minInstances: 1, maxInstances: 4, concurrency: 8 }
    readiness: { path: /healthz }
tenants:
  demo: { config: { neutralBand: 0.3 } }
`;

const FASTAPI_DOCUMENT = `swagger: '2.0'
info: { title: sentiment, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: key, in: query }
paths:
  /v1/sentiment:
    post:
      operationId: Sentiment
      security: [{ api_key: [] }]
      x-google-backend: { address: 'mlaas://fastapi-sentiment/predict', deadline: 5.0 }
      responses: { '200': { description: ok } }
`;

let tmp: string;
let demoDir: string;
let a: MlaasUp;
let b: MlaasUp | undefined;
const answers: Record<string, unknown> = {};

async function predict(up: MlaasUp, text: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${up.gatewayUrl}/v1/spam-filter/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': up.demoKey },
    body: JSON.stringify({ text }),
  });
  return { status: res.status, body: await res.json() };
}

function yamlOf(file: string): Record<string, unknown> {
  return YAML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

beforeAll(async () => {
  ensureSpamModel();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mlaas-export-e2e-'));
  demoDir = path.join(tmp, 'demo');
  for (const [dir, yaml] of [
    [demoDir, DEMO],
    [path.join(tmp, 'fastapi'), FASTAPI],
  ] as const) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'mlaas.yaml'), yaml);
  }
  copyFileSync(path.join(REPO, 'api-gateway.yaml'), path.join(demoDir, 'api-gateway.yaml'));
  writeFileSync(path.join(tmp, 'fastapi', 'api-gateway.yaml'), FASTAPI_DOCUMENT);
  a = await startMlaasUp(demoDir, 'state');
  for (const text of [SPAM_TEXT, HAM_TEXT]) answers[text] = await predict(a, text);
}, 180_000);

afterAll(async () => {
  // SIGTERM, not SIGKILL: a killed platform leaves its instances running, since nothing would stop them.
  for (const up of [a, b]) if (up !== undefined && up.child.exitCode === null) await up.stop('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('mlaas export', () => {
  it('exports the running demo for Knative: valid files, the declared scaling as annotations, the same bytes twice', async () => {
    const out = path.join(tmp, 'knative');
    const first = await a.cli(['export', '-f', 'mlaas.yaml', '--target', 'knative', '--out', out, '--registry', 'gcr.io/my-project']);
    expect(first.stderr).toMatch(/revisions and traffic of 2 services from the platform/);
    expect(first.code).toBe(0);
    expect(await exportProblems(out)).toEqual([]);

    const spam = yamlOf(path.join(out, 'services', 'spam-filter.yaml')) as {
      spec: { template: { metadata: { name?: string; annotations: Record<string, string> }; spec: Record<string, unknown> }; traffic?: unknown };
    };
    expect(spam.spec.template.metadata.name).toBe('spam-filter-00001');
    expect(spam.spec.template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/min-scale': '1',
      'autoscaling.knative.dev/max-scale': '3',
      'autoscaling.knative.dev/target': '20',
      'autoscaling.knative.dev/panic-window-percentage': '20',
      'autoscaling.knative.dev/window': '60s',
      'models.mlaas.dev/classifier': 'spam@production',
    });
    expect(spam.spec.template.spec).toMatchObject({ timeoutSeconds: 60, containerConcurrency: 0 });
    expect(spam.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
    expect(readFileSync(path.join(out, 'cloudbuild.yaml'), 'utf8')).toContain('gcr.io/my-project/spam-filter:');

    const before = filesOf(out);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['README.md', 'build/inference/models/spam.onnx', 'build/spam-filter/Dockerfile', 'services/mlaas-gateway.yaml']));
    expect((await a.cli(['export', '-f', 'mlaas.yaml', '--target', 'knative', '--out', out, '--registry', 'gcr.io/my-project'])).code).toBe(0);
    expect(filesOf(out)).toEqual(before);
  });

  it('exports the demo for Cloud Run with the gateway document’s Cloud Run URLs and what has no equivalent listed', async () => {
    const out = path.join(tmp, 'cloudrun');
    const run = await a.cli(['export', '-f', 'mlaas.yaml', '--target', 'cloudrun', '--out', out, '--region', 'europe-west1']);
    expect(run.code).toBe(0);
    expect(await exportProblems(out)).toEqual([]);
    const doc = readFileSync(path.join(out, 'api-gateway.yaml'), 'utf8');
    expect(doc).toContain('address: https://spam-filter-${_HASH}-${_REGION_CODE}.a.run.app/predict');
    expect(doc).not.toMatch(/address: mlaas:/);
    const readme = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/\| `services\.spam-filter\.scaling\.panicWindowPercentage` \|/);
    expect(readme).toMatch(/\| `tenants\.demo\.config` \|/);
    expect(run.stdout).toMatch(/settings have no cloudrun equivalent: listed in .*README\.md/);
  });

  it('exports the FastAPI example from its files alone, as a Python image', async () => {
    const out = path.join(tmp, 'fastapi-out');
    const run = await a.cli(['export', '-f', path.join(tmp, 'fastapi', 'mlaas.yaml'), '--target', 'knative', '--out', out, '--no-platform']);
    expect(run.code).toBe(0);
    expect(await exportProblems(out)).toEqual([]);
    const dockerfile = readFileSync(path.join(out, 'build', 'fastapi-sentiment', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM python:3\.\d+-slim/m);
    expect(dockerfile).toMatch(/pip install --no-cache-dir -r requirements\.txt/);
    expect(dockerfile).toContain('CMD ["python","serve.py"]');
    const service = yamlOf(path.join(out, 'services', 'fastapi-sentiment.yaml')) as { spec: { template: { metadata: { name?: string }; spec: { containerConcurrency: number } } } };
    expect(service.spec.template.spec.containerConcurrency).toBe(8);
    expect(service.spec.template.metadata.name).toBeUndefined();
  });

  it('round trip: the Knative Services applied to a fresh platform make the same services, and the spam filter answers the same', async () => {
    const out = path.join(tmp, 'knative');
    await a.stop();
    const fresh = path.join(tmp, 'fresh');
    mkdirSync(fresh);
    writeFileSync(path.join(fresh, 'empty-gateway.yaml'), "swagger: '2.0'\ninfo: { title: ml-api, version: 1.0.0 }\npaths: {}\n");
    writeFileSync(path.join(fresh, 'mlaas.yaml'), `gateway: { document: empty-gateway.yaml }\nstateDir: state\n${TENANTS}`);
    b = await startMlaasUp(fresh, 'state', 120_000, {}, 0, ['--no-watch']);
    for (const name of ['inference', 'spam-filter']) {
      const applied = await b.cli(['apply', '-f', path.join(out, 'services', `${name}.yaml`), '--yes']);
      expect(applied.stderr + applied.stdout).toMatch(/Apply complete: 3 created, 0 updated, 0 deleted/);
      expect(applied.code).toBe(0);
    }
    // The demo's gateway document, now that its services exist; no services declared, so none is touched.
    copyFileSync(path.join(REPO, 'api-gateway.yaml'), path.join(fresh, 'api-gateway.yaml'));
    writeFileSync(path.join(fresh, 'routes.yaml'), `gateway: { document: api-gateway.yaml }\nstateDir: state\n${TENANTS}`);
    expect((await b.cli(['apply', '-f', 'routes.yaml', '--yes'])).code).toBe(0);

    const plan = await b.cli(['plan', '-f', path.join(demoDir, 'mlaas.yaml'), '--detailed-exitcode']);
    expect(plan.stdout).toMatch(/No changes/);
    expect(plan.code).toBe(0);
    for (const text of [SPAM_TEXT, HAM_TEXT]) expect(await predict(b, text)).toEqual(answers[text]);
  });
});

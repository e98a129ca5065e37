/**
 * Black-box: `mlaas plan -f` and `mlaas apply -f` of a Knative Service YAML
 * against the real `mlaas up` (--no-watch). The file declares one service,
 * as `gcloud run services replace` reads it: plan names that service's
 * changes and nothing else; apply deploys its new revision, which answers
 * through the gateway, and a second plan is empty; other services and the
 * tenants stay as they run. A file mlaas cannot take (a volume, resources,
 * no source) fails with exit 1, each problem at its Knative path, and
 * nothing changes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { knativeServiceYaml } from './knative-service-yaml.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;

interface Revision {
  name: string;
  percent: number;
}

async function revisions(service: string): Promise<Revision[]> {
  return JSON.parse(await up.cliOk(['revisions', service, '-o', 'json'])) as Revision[];
}

async function call(route: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(up.gatewayUrl + route, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function writeEcho(name: string): void {
  writeNodeService(
    path.join(dir, name),
    `  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service: '${name}', revision: process.env.K_REVISION ?? null, foo: process.env.FOO ?? null }));
  });`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-knative-e2e-'));
  writeEcho('echo');
  writeEcho('other');
  const service = (name: string) => `  ${name}:\n    source: ${name}\n    command: [node, server.mjs]\n    drainTimeoutSeconds: 1\n    scaling: { minInstances: 1, maxInstances: 2 }\n`;
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }\nstateDir: state\nservices:\n${service('echo')}${service('other')}tenants:\n  acme: { displayName: Acme, demoKey: true }\n`,
  );
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    postRoutesDocument([
      { path: '/v1/echo', address: 'mlaas://echo/answer' },
      { path: '/v1/other', address: 'mlaas://other/answer' },
    ]),
  );
  mkdirSync(path.join(dir, 'services'));
  up = await startMlaasUp(dir, 'state', 60_000, {}, 0, ['--no-watch']);
}, 90_000);

afterAll(async () => {
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mlaas apply -f of a Knative Service', () => {
  it('plans that one service, applies it (its new revision answers), then plans no change; the rest stays', async () => {
    writeFileSync(path.join(dir, 'services', 'echo.yaml'), knativeServiceYaml('echo', { source: '../echo', env: { FOO: 'bar' } }));
    const plan = await up.cli(['plan', '-f', 'services/echo.yaml', '--detailed-exitcode']);
    expect(plan.code, plan.stderr).toBe(2);
    const lines = plan.stdout.split('\n');
    for (const line of ['~ service/echo', '    env.FOO: (none) → bar', '+ revision/echo (replaces echo-00001)']) expect(lines).toContain(line);
    expect(plan.stdout).not.toMatch(/other|tenant|route|left/);

    const applied = await up.cli(['apply', '-f', 'services/echo.yaml', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 1 created, 1 updated, 0 deleted.');
    expect(await call('/v1/echo')).toEqual({ status: 200, body: { service: 'echo', revision: 'echo-00002', foo: 'bar' } });
    expect((await up.cli(['plan', '-f', 'services/echo.yaml', '--detailed-exitcode'])).code).toBe(0);

    expect((await revisions('other')).map((r) => r.name)).toEqual(['other-00001']);
    expect(await call('/v1/other')).toEqual({ status: 200, body: expect.objectContaining({ service: 'other', foo: null }) as unknown });
    const tenants = JSON.parse(await up.cliOk(['tenants', 'list', '-o', 'json'])) as Array<{ id: string }>;
    expect(tenants.map((t) => t.id)).toEqual(['acme']);
  }, 90_000);

  it('refuses a file mlaas cannot take, every problem at its Knative path, and changes nothing', async () => {
    const bad = knativeServiceYaml('echo', {
      env: { FOO: 'baz' },
      maxScale: 3,
      extra: '        volumeMounts:\n        - { name: data, mountPath: /data }\n        resources: { limits: { memory: 512Mi } }\n',
    });
    writeFileSync(path.join(dir, 'services', 'bad.yaml'), bad);
    for (const args of [['plan', '-f', 'services/bad.yaml'], ['apply', '-f', 'services/bad.yaml', '--yes']]) {
      const refused = await up.cli(args);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('CONFIG_KNATIVE_SERVICE_INVALID');
      for (const at of ['spec.template.spec.containers[0].volumeMounts', 'spec.template.spec.containers[0].resources', 'spec.template.spec.containers[0].image']) {
        expect(refused.stderr).toContain(at);
      }
    }
    const pruned = await up.cli(['apply', '-f', 'services/echo.yaml', '--prune', '--yes']);
    expect(pruned.code).toBe(1);
    expect(pruned.stderr).toContain('a Knative Service declares one service only');
    expect((await revisions('echo')).map((r) => [r.name, r.percent])).toEqual([
      ['echo-00001', 0],
      ['echo-00002', 100],
    ]);
    expect(await call('/v1/echo')).toEqual({ status: 200, body: { service: 'echo', revision: 'echo-00002', foo: 'bar' } });
  }, 60_000);
});

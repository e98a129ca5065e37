/**
 * Black-box: `mlaas plan` and `mlaas apply` against the real `mlaas up`
 * (--no-watch, so only apply changes what runs). Unchanged files plan no
 * change (exit 0 with --detailed-exitcode); an edit of a scaling bound, an
 * env var, a declared traffic split, a tenant added and one dropped, and a
 * route added is named change by change (exit 2); `apply --prune --yes` makes
 * it (one new revision per service whose spec changed, the split serving,
 * the new route answering); the next plan is empty, and stays so across a
 * restart, which makes no revision. A CLI change after the apply survives a
 * restart and shows in plan as drift; a route to a pruned service fails plan
 * with both names, and a service no route reaches is named with the fix.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService, type PostRoute } from './scenario.js';

interface Revision {
  name: string;
  percent: number;
  tags: string[];
}

let dir: string;
let up: MlaasUp;

function writeEcho(name: string): void {
  writeNodeService(
    path.join(dir, name),
    `  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service: '${name}', revision: process.env.K_REVISION ?? req.headers['x-mlaas-revision'], foo: process.env.FOO ?? null }));
  });`,
  );
}

interface Files {
  echoMax: number;
  otherEnv?: string;
  traffic?: string;
  tenants: string[];
  routes: PostRoute[];
  services?: string[];
}

function writeFiles(f: Files): void {
  const service = (name: string): string => {
    const max = name === 'echo' ? f.echoMax : 2;
    const env = name === 'other' && f.otherEnv !== undefined ? `\n    env: { FOO: ${f.otherEnv} }` : '';
    const traffic = name === 'echo' && f.traffic !== undefined ? `\n    traffic:\n${f.traffic}` : '';
    return `  ${name}:
    source: ${name}
    command: [node, server.mjs]
    drainTimeoutSeconds: 1
    scaling: { minInstances: 1, maxInstances: ${max} }${env}${traffic}
`;
  };
  const tenant = (id: string): string => `  ${id}: { displayName: ${id === 'acme' ? 'Acme' : id}, demoKey: ${id === 'acme'}, config: { language: en } }\n`;
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
${(f.services ?? ['echo', 'other']).map(service).join('')}tenants:
${f.tenants.map(tenant).join('')}`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument(f.routes));
}

const ROUTES: PostRoute[] = [
  { path: '/v1/echo', address: 'mlaas://echo/answer' },
  { path: '/v1/other', address: 'mlaas://other/answer' },
];
const START: Files = { echoMax: 3, tenants: ['acme', 'gone'], routes: ROUTES };
const EDITED: Files = {
  echoMax: 5,
  otherEnv: 'bar',
  traffic: `      targets:
        - { revisionName: echo-00001, percent: 80 }
        - { latestRevision: true, percent: 20, tag: next }`,
  tenants: ['acme', 'beta'],
  routes: [...ROUTES, { path: '/v1/new', address: 'mlaas://other/answer' }],
};

async function revisions(service: string): Promise<Revision[]> {
  return JSON.parse(await up.cliOk(['revisions', service, '-o', 'json'])) as Revision[];
}

async function call(route: string): Promise<{ status: number; body: { service?: string; foo?: string | null } }> {
  const res = await fetch(up.gatewayUrl + route, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
  return { status: res.status, body: (await res.json()) as { service?: string; foo?: string | null } };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-plan-e2e-'));
  writeEcho('echo');
  writeEcho('other');
  writeFiles(START);
  up = await startMlaasUp(dir, 'state', 60_000, {}, 0, ['--no-watch']);
}, 90_000);

afterAll(async () => {
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mlaas plan / apply', () => {
  it('plans no change for the files it started from', async () => {
    const plan = await up.cli(['plan', '--detailed-exitcode']);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes: the platform matches the files.');
  });

  it('names every edit field by field, exit 2; apply --prune makes them; then no change, even after a restart', async () => {
    writeFiles(EDITED);
    const plan = await up.cli(['plan', '--detailed-exitcode', '--prune']);
    expect(plan.code, plan.stderr).toBe(2);
    for (const line of [
      '~ service/echo',
      '    scaling.maxInstances: 3 → 5',
      '+ revision/echo (replaces echo-00001)',
      '~ traffic/echo',
      '    targets[0].revisionName: (none) → echo-00001',
      '    targets[0].percent: 100 → 80',
      '    targets[1].latestRevision: (none) → true',
      '    targets[1].percent: (none) → 20',
      '    targets[1].tag: (none) → next',
      '~ service/other',
      '    env.FOO: (none) → bar',
      '+ revision/other (replaces other-00001)',
      '+ tenant/beta',
      '- tenant/gone',
      '+ route/POST /v1/new',
    ]) {
      expect(plan.stdout.split('\n')).toContain(line);
    }
    const withoutPrune = await up.cli(['plan']);
    expect(withoutPrune.code).toBe(0);
    expect(withoutPrune.stdout).toContain('left (not declared, use --prune to delete): tenant/gone');

    const refused = await up.cli(['apply', '--prune']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pass --yes');
    expect((await revisions('echo')).length).toBe(1);

    const applied = await up.cli(['apply', '--prune', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 4 created, 3 updated, 1 deleted.');
    expect(applied.stderr).toContain('ready: echo: echo-00002');

    expect((await up.cli(['plan', '--detailed-exitcode', '--prune'])).code).toBe(0);
    const echo = await revisions('echo');
    expect(echo.map((r) => [r.name, r.percent, r.tags])).toEqual([
      ['echo-00001', 80, []],
      ['echo-00002', 20, ['next']],
    ]);
    expect((await revisions('other')).map((r) => [r.name, r.percent])).toEqual([
      ['other-00001', 0],
      ['other-00002', 100],
    ]);
    expect(await call('/v1/new')).toEqual({ status: 200, body: expect.objectContaining({ service: 'other', foo: 'bar' }) });
    const tenants = JSON.parse(await up.cliOk(['tenants', 'list', '-o', 'json'])) as Array<{ id: string }>;
    expect(tenants.map((t) => t.id)).toEqual(['acme', 'beta']);

    const second = await up.cli(['apply', '--prune', '--yes']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('No changes: the platform matches the files.');

    await up.stop();
    up = await startMlaasUp(dir, 'state', 60_000, {}, 0, ['--no-watch']);
    const after = await up.cli(['plan', '--detailed-exitcode', '--prune']);
    expect(after.code, after.stdout).toBe(0);
    expect((await revisions('echo')).map((r) => r.name)).toEqual(['echo-00001', 'echo-00002']);
    expect((await revisions('other')).map((r) => r.name)).toEqual(['other-00001', 'other-00002']);
  }, 120_000);

  it('keeps CLI changes of a tenant and of traffic across a restart and shows them in plan as drift', async () => {
    await up.cliOk(['tenants', 'set', 'acme', '--display-name', 'Acme', '--config', '{"language":"fr"}']);
    await up.cliOk(['traffic', 'echo', 'echo-00002=100']);
    await up.stop();
    up = await startMlaasUp(dir, 'state', 60_000, {}, 0, ['--no-watch']);
    const tenants = JSON.parse(await up.cliOk(['tenants', 'list', '-o', 'json'])) as Array<{ id: string; config: unknown }>;
    expect(tenants.find((t) => t.id === 'acme')?.config).toEqual({ language: 'fr' });
    const plan = await up.cli(['plan', '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ tenant/acme\n    config.language: fr → en\n');
    expect(plan.stdout).toContain('~ traffic/echo\n    targets[0].percent: 100 → 80\n    targets[0].revisionName: echo-00002 → echo-00001\n');
    expect((await revisions('echo')).map((r) => [r.name, r.percent])).toEqual([
      ['echo-00001', 0],
      ['echo-00002', 100],
    ]);
  }, 60_000);

  it('shows a services update since the apply as drift with the revision that undoes it, which apply makes', async () => {
    expect(await up.cliOk(['services', 'update', 'other', '--update-env-vars', 'EXTRA=1'])).toBe('revision other-00003 of service other is serving 100% of the traffic\n');
    const plan = await up.cli(['plan', '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ service/other\n    env.EXTRA: 1 → (none)\n');
    expect(plan.stdout).toContain('+ revision/other (replaces other-00003)');
    const applied = await up.cli(['apply', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await revisions('other')).map((r) => [r.name, r.percent])).toEqual([
      ['other-00001', 0],
      ['other-00002', 0],
      ['other-00003', 0],
      ['other-00004', 100],
    ]);
    expect(await call('/v1/new')).toEqual({ status: 200, body: expect.objectContaining({ service: 'other', revision: 'other-00004', foo: 'bar' }) });
    expect((await up.cli(['plan', '--detailed-exitcode'])).code).toBe(0);
  }, 60_000);

  it('names what a reload already applied since the last apply, which the platform then matches', async () => {
    writeFiles({ ...EDITED, tenants: ['acme', 'beta', 'gamma'], routes: [...(EDITED.routes ?? []), { path: '/v1/more', address: 'mlaas://echo/answer' }] });
    await up.cliOk(['reload']);
    const plan = await up.cli(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toBe(
      'No changes: the platform matches the files.\napplied live by a reload since the last apply (file watch, mlaas reload, SIGHUP): tenant/gamma, route/POST /v1/more\n',
    );
    expect((await up.cli(['apply', '--yes'])).code).toBe(0);
    expect((await up.cliOk(['plan'])).trim()).toBe('No changes: the platform matches the files.');
  });

  it('refuses a route to a service that --prune would delete, naming both, and names a service no route reaches', async () => {
    writeFiles({ ...EDITED, services: ['echo'] });
    const plan = await up.cli(['plan', '--prune']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('route POST /v1/other goes to service other, which this apply deletes');
    const kept = await up.cli(['plan']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('left (not declared, use --prune to delete): service/other');

    writeFiles({ ...EDITED, routes: [ROUTES[0] as PostRoute] });
    const unrouted = await up.cli(['plan']);
    expect(unrouted.code).toBe(0);
    expect(unrouted.stdout).toContain(
      'warning: service other has no route in the gateway document (add a path whose x-google-backend.address is mlaas://other/...)',
    );
    expect(unrouted.stdout).toContain('- route/POST /v1/other');

    writeFileSync(path.join(dir, 'mlaas.yaml'), 'gateway: { document: api-gateway.yaml }\nstateDir: state\nservices:\n  echo: { command: [node, s.mjs], scaling: { maxInstances: 0 } }\n');
    for (const args of [['plan'], ['apply', '--yes']]) {
      const invalid = await up.cli(args);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('services.echo.scaling.maxInstances');
    }
    expect((await up.cli(['plan', '-f', 'nosuch.yaml'])).code).toBe(1);
    expect((await revisions('echo')).map((r) => r.name)).toEqual(['echo-00001', 'echo-00002']);
  });
});

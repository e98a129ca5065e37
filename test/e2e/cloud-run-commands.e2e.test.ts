/**
 * Black-box: Cloud Run's commands through the real binary, on one small echo
 * service whose answer names its revision and its GREETING variable.
 * `services update --set-env-vars` under load makes a revision that serves
 * 100% with no failed request; `traffic --to-revisions R=20` on a 50/50
 * split gives 20/40/40 and tags survive `--to-latest`; a revision that has
 * traffic cannot be deleted; revision GC (minNonActiveRevisions 1, retain
 * times 0s) keeps one non-active revision and stops the instances of what it
 * deletes; `services list | describe | delete`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnswerCountingLoad } from './answer-counting-load.js';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;

interface ListedRevision {
  name: string;
  state: string;
  percent: number;
  tags: string[];
}

async function call(): Promise<{ status: number; revision?: string; greeting?: string }> {
  const res = await fetch(`${up.gatewayUrl}/v1/echo`, { method: 'POST', headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' }, body: '{}' });
  const text = await res.text();
  return { status: res.status, ...(res.status === 200 ? (JSON.parse(text) as { revision: string; greeting: string }) : {}) };
}

async function revisions(): Promise<ListedRevision[]> {
  return JSON.parse(await up.cliOk(['revisions', 'echo', '-o', 'json'])) as ListedRevision[];
}

const shares = (revs: ListedRevision[]): Record<string, number> => Object.fromEntries(revs.filter((r) => r.percent > 0).map((r) => [r.name, r.percent]));

/** Instance keys (revision names) the supervisor runs now. */
async function runningRevisions(): Promise<string[]> {
  const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: Array<{ key: string; instances: unknown[] }> };
  return status.services.filter((s) => s.instances.length > 0).map((s) => s.key).sort();
}

async function audit(): Promise<Array<{ actor: string; action: string; target: string }>> {
  const state = path.join(dir, 'state');
  const { adminUrl } = JSON.parse(readFileSync(path.join(state, 'endpoint.json'), 'utf8')) as { adminUrl: string };
  const token = readFileSync(path.join(state, 'admin-token'), 'utf8').trim();
  const res = await fetch(`${adminUrl}/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { items: Array<{ actor: string; action: string; target: string }> }).items;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-cloudrun-'));
  writeNodeService(
    path.join(dir, 'echo'),
    `  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ revision: req.headers['x-mlaas-revision'], greeting: process.env.GREETING ?? null }));
  });`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/echo' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo
    command: [node, server.mjs]
    drainTimeoutSeconds: 2
revisions:
  gc: { minNonActiveRevisions: 1, retainSinceCreateTime: 0s, retainSinceLastActiveTime: 0s }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
}, 120_000);

afterAll(async () => {
  await up?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('Cloud Run commands', () => {
  it('services update --set-env-vars under load: a new revision serving 100%, 0 failed requests', async () => {
    expect(await call()).toMatchObject({ status: 200, revision: 'echo-00001', greeting: null });
    let updated = false;
    const load = runAnswerCountingLoad({
      url: `${up.gatewayUrl}/v1/echo`,
      headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' },
      body: '{}',
      connections: 4,
      maxRequests: 20_000,
      durationMs: 30_000,
      answerWithinMs: 10_000,
      until: () => updated,
    });
    await new Promise((r) => setTimeout(r, 300));
    const out = await up.cliOk(['services', 'update', 'echo', '--set-env-vars', 'GREETING=hello']);
    await new Promise((r) => setTimeout(r, 300));
    updated = true;
    const report = await load;
    expect(out).toBe('revision echo-00002 of service echo is serving 100% of the traffic\n');
    expect(report.noAnswer).toBe(0);
    expect(report.truncated).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.byStatus).toEqual({ 200: report.sent });
    expect(await call()).toMatchObject({ status: 200, revision: 'echo-00002', greeting: 'hello' });
    console.log(`services update under load: ${report.sent} requests, all answered 200`);
  }, 90_000);

  it('refuses an invalid update naming the flag, and makes no revision for an update that changes nothing', async () => {
    const bad = await up.cli(['services', 'update', 'echo', '--min-instances', '2', '--max-instances', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--max-instances: must be ≥ --min-instances (2), got 1');
    const pipe = await up.cli(['services', 'update', 'echo', '--command', 'node server.mjs | tee log']);
    // Refused by the CLI before anything is sent: a usage error.
    expect(pipe.code).toBe(2);
    expect(pipe.stderr).toContain('--command: expected a command and its arguments, got the shell operator |');
    expect(await up.cliOk(['services', 'update', 'echo', '--update-env-vars', 'GREETING=hello'])).toContain('no change');
    expect((await revisions()).map((r) => r.name)).toEqual(['echo-00001', 'echo-00002']);
    const unknown = await up.cli(['services', 'update', 'nosuch', '--concurrency', '4']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no service nosuch');
  }, 30_000);

  it('traffic --to-revisions R=20 on a 50/50 split gives 20/40/40, and tags survive --to-latest', async () => {
    await up.cliOk(['services', 'update', 'echo', '--update-env-vars', 'GREETING=hey']);
    await up.cliOk(['traffic', 'echo', '--to-revisions', 'echo-00002=50,echo-00003=50']);
    const noTraffic = await up.cliOk(['services', 'update', 'echo', '--update-env-vars', 'GREETING=new', '--no-traffic']);
    expect(noTraffic).toBe('revision echo-00004 of service echo is serving 0% of the traffic\n');
    expect(shares(await revisions())).toEqual({ 'echo-00002': 50, 'echo-00003': 50 });

    await up.cliOk(['traffic', 'echo', '--to-revisions', 'echo-00004=20']);
    expect(shares(await revisions())).toEqual({ 'echo-00002': 40, 'echo-00003': 40, 'echo-00004': 20 });

    const badTag = await up.cli(['traffic', 'echo', '--to-tags', 'nope=10']);
    expect(badTag.code).toBe(1);
    expect(badTag.stderr).toContain('--to-tags: expected a tag of this service (none), got nope');
    await up.cliOk(['traffic', 'echo', '--update-tags', 'canary=echo-00002']);
    await up.cliOk(['traffic', 'echo', '--to-latest']);
    const after = await revisions();
    expect(shares(after)).toEqual({ 'echo-00004': 100 });
    expect(after.find((r) => r.name === 'echo-00002')?.tags).toEqual(['canary']);
    expect(await call()).toMatchObject({ status: 200, revision: 'echo-00004', greeting: 'new' });
  }, 60_000);

  it('refuses to delete a revision that has traffic, naming what holds it; deletes one that has none', async () => {
    const serving = await up.cli(['revisions', 'delete', 'echo-00002']);
    expect(serving.code).toBe(1);
    expect(serving.stderr).toContain('revision echo-00002 has traffic of service echo: tag canary');
    expect(serving.stderr).toContain('[ADMIN_CONFLICT]');
    const latest = await up.cli(['revisions', 'delete', 'echo-00004']);
    expect(latest.code).toBe(1);
    expect(latest.stderr).toContain('revision echo-00004 has traffic of service echo: 100% (latestRevision)');

    const described = JSON.parse(await up.cliOk(['revisions', 'describe', 'echo-00003', '-o', 'json'])) as { state: string; lastActiveAt?: string };
    expect(described.state).toBe('retired');
    expect(described.lastActiveAt).toMatch(/^\d{4}-/);
    expect(await up.cliOk(['revisions', 'delete', 'echo-00003'])).toBe('deleted revision echo-00003\n');
    const gone = await up.cli(['revisions', 'describe', 'echo-00003']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no revision echo-00003');
  }, 30_000);

  it('GC keeps the configured number of non-active revisions and stops the instances of what it deletes', async () => {
    await up.cliOk(['traffic', 'echo', '--clear-tags']);
    for (const greeting of ['a', 'b', 'c']) await up.cliOk(['services', 'update', 'echo', '--update-env-vars', `GREETING=${greeting}`]);
    // Non-active now: 00001 (if still there), 00002, 00004, 00005, 00006; minNonActiveRevisions 1 keeps the most recently active.
    const left = await waitUntil('revision GC', revisions, (revs) => revs.length === 2, 15_000);
    expect(left.map((r) => [r.name, r.percent])).toEqual([
      ['echo-00006', 0],
      ['echo-00007', 100],
    ]);
    expect(await runningRevisions()).toEqual(['echo-00007']);
    const gcRows = (await audit()).filter((e) => e.actor === 'gc' && e.action === 'revision.delete').map((e) => e.target).sort();
    expect(gcRows).toEqual(['revision/echo-00001', 'revision/echo-00002', 'revision/echo-00004', 'revision/echo-00005']);
  }, 60_000);

  it('services list and describe show the latest revision, what serves, routes and Ready', async () => {
    const list = JSON.parse(await up.cliOk(['services', 'list', '-o', 'json'])) as Array<Record<string, unknown>>;
    expect(list).toEqual([
      { name: 'echo', url: 'mlaas://echo', latestRevision: 'echo-00007', latestReadyRevision: 'echo-00007', serving: [{ revision: 'echo-00007', percent: 100 }], readyInstances: 1, routes: ['POST /v1/echo'] },
    ]);
    const table = await up.cliOk(['services', 'list']);
    expect(table.split('\n')[1]).toMatch(/^echo\s+mlaas:\/\/echo\s+echo-00007\s+echo-00007 100%\s+1$/);
    const d = JSON.parse(await up.cliOk(['services', 'describe', 'echo', '-o', 'json'])) as {
      configuration: { env: Record<string, string>; command: string[] };
      conditions: Array<{ type: string; status: string }>;
      revisions: Array<{ name: string }>;
    };
    expect(d.configuration).toMatchObject({ env: { GREETING: 'c' }, command: ['node', 'server.mjs'] });
    expect(d.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True', 'ConfigurationsReady=True', 'RoutesReady=True']);
    expect(d.revisions.map((r) => r.name)).toEqual(['echo-00006', 'echo-00007']);
    const unknown = await up.cli(['services', 'describe', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no service nosuch');
  }, 30_000);

  it('says of a service no route reaches that it has none: at deploy and in services describe', async () => {
    const deployed = await up.cli(['deploy', 'lonely', '--source', 'echo', '--command', 'node server.mjs']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const warning = 'service lonely has no route in the gateway document (add a path whose x-google-backend.address is mlaas://lonely/...)';
    expect(`${deployed.stdout}${deployed.stderr}`).toContain(warning);
    const described = await up.cliOk(['services', 'describe', 'lonely']);
    expect(described).toContain('routes:     none');
    expect(described).toMatch(/RoutesReady\s+False\s+NoRoute/);
    expect(described).toContain(`warning: ${warning}`);
    await up.cliOk(['services', 'delete', 'lonely']);
  }, 60_000);

  it('services delete stops the instances and deletes the service, its revisions and traffic, audited', async () => {
    expect(await up.cliOk(['services', 'delete', 'echo'])).toBe('deleted service echo and its 2 revision(s)\n');
    expect(await runningRevisions()).toEqual([]);
    expect(JSON.parse(await up.cliOk(['services', 'list', '-o', 'json']))).toEqual([]);
    const gone = await up.cli(['services', 'describe', 'echo']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no service echo');
    expect((await call()).status).toBeGreaterThanOrEqual(500);
    expect((await audit()).find((e) => e.action === 'service.delete')).toMatchObject({ actor: 'admin', target: 'service/echo' });
    const again = await up.cli(['services', 'delete', 'echo']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no service echo');
  }, 30_000);
});

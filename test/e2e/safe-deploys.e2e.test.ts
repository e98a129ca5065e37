/**
 * Black-box: what `mlaas deploy` packs and what it says when it cannot. A
 * service folder holding a `.mlaas/` dir and the running platform's state
 * dir is deployed without them (the progress says they were left out), one
 * holding an absolute symbolic link is refused naming the link, and a
 * service whose `npm ci` fails is recorded as a failed revision whose
 * reason is npm's own error line.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;

/** The instance answers the files of the directory it runs in: the unpacked artifact. */
const LIST_FILES = `  res.end(JSON.stringify(readdirSync('.').sort()));`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-safe-'));
  const app = writeNodeService(path.join(dir, 'app'), LIST_FILES, `import { readdirSync } from 'node:fs';`);
  mkdirSync(path.join(app, '.mlaas'));
  writeFileSync(path.join(app, '.mlaas', 'admin-token'), 'a-secret-token\n');
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/files', address: 'mlaas://app/files' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: app/.state
services:
  app:
    source: app
    command: [node, server.mjs]
tenants:
  demo: { demoKey: true }
`,
  );
  // The platform's own state dir inside the service's source: neither `up`'s plan nor `deploy` packs it.
  up = await startMlaasUp(dir, 'app/.state');
}, 120_000);

afterAll(async () => {
  await up.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

async function servedFiles(): Promise<string[]> {
  const res = await fetch(`${up.gatewayUrl}/v1/files`, { method: 'POST', headers: { 'x-api-key': up.demoKey } });
  expect(res.status).toBe(200);
  return (await res.json()) as string[];
}

describe('mlaas deploy packs only what is safe to pack', () => {
  it("refuses a source with an absolute symbolic link naming it, and deploys the service's declared source without .mlaas/ once it is gone", async () => {
    const app = path.join(dir, 'app');
    symlinkSync('/etc/hostname', path.join(app, 'hostname'));
    // No --source: the service's source: in ./mlaas.yaml.
    const refused = await up.cli(['deploy', 'app']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/hostname \(symbolic link to an absolute path \(\/etc\/hostname\)/);
    expect(await up.cliOk(['revisions', 'app', '--output', 'json'])).not.toContain('app-00002');

    unlinkSync(path.join(app, 'hostname'));
    symlinkSync('server.mjs', path.join(app, 'main.mjs'));
    const deployed = await up.cli(['deploy', 'app']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/revision app-00002 deployed/);
    expect(deployed.stderr).toMatch(/left out by default: \.mlaas\/, \.state\//);
    expect(await servedFiles()).toEqual(['main.mjs', 'server.mjs']);
  }, 120_000);

  it("records a service whose npm ci fails as a failed revision with npm's own error line as its reason", async () => {
    const svc = writeNodeService(path.join(dir, 'npmfail'), `  res.end('never');`);
    writeFileSync(path.join(svc, 'package.json'), JSON.stringify({ name: 'svc', version: '1.0.0', dependencies: { mlaas: 'file:..' } }));
    // A lock file out of step with package.json: what `file:` on the platform gives a service.
    writeFileSync(
      path.join(svc, 'package-lock.json'),
      JSON.stringify({
        name: 'svc',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'svc', version: '1.0.0' }, 'node_modules/left-pad': { version: '1.3.0' } },
      }),
    );
    const failed = await up.cli(['deploy', 'npmfail', '--source', 'npmfail', '--command', 'node server.mjs']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/npmfail-00001 failed to build/);
    expect(failed.stderr).toMatch(/Missing: mlaas@\S* from lock file/);
    expect(failed.stderr).not.toMatch(/Usage:|--install-strategy/);

    const revisions = JSON.parse(await up.cliOk(['revisions', 'npmfail', '--output', 'json'])) as Array<{ name: string; state: string; reason?: string }>;
    expect(revisions).toEqual([expect.objectContaining({ name: 'npmfail-00001', state: 'failed', reason: expect.stringMatching(/Missing: mlaas@\S* from lock file/) })]);
    expect(await up.cliOk(['revisions', 'npmfail'])).toMatch(/npmfail-00001\s+failed.*Missing: mlaas@\S* from lock file/);

    // A revision that never built has no artifact a `services update` could reuse.
    const update = await up.cli(['services', 'update', 'npmfail', '--update-env-vars', 'A=1']);
    expect(update.code).not.toBe(0);
    expect(update.stderr).toMatch(/service npmfail has no revision to update: deploy it first/);
  }, 120_000);
});

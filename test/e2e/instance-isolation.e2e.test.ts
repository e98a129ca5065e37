/**
 * Black-box: a service cannot read what the platform keeps. The service below
 * tries the admin token, state.db, the demo key and the platform's own
 * environment in /proc, and reports its environment; the platform runs with
 * a secret in its environment that mlaas.yaml does not give the service.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../../src/artifacts/index.js';
import { blockedPathFor } from '../../src/runtime/instance-user.js';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { REPO } from './spam-model.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;
const state = (...parts: string[]): string => path.join(dir, '.state', ...parts);
const NOBODY = { name: 'nobody', uid: 65534, gid: 65534 };
/** mlaas as root runs instances as nobody, if nobody can reach the installation and the cache. */
const ownUser = process.getuid?.() === 0 && [REPO, defaultCacheDir()].every((p) => blockedPathFor(NOBODY, p) === undefined);

interface Snooped {
  env: Record<string, string>;
  cwd: string;
  uid: number;
  reads: Record<string, string>;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-isolation-'));
  writeNodeService(
    path.join(dir, 'snoop'),
    `  const { state, pid } = JSON.parse(Buffer.from(req.headers['x-snoop'], 'base64url').toString());
  const reads = {};
  for (const [what, file] of Object.entries({
    adminToken: state + '/admin-token',
    stateDb: state + '/state.db',
    demoKey: state + '/demo-keys/demo',
    signingKey: state + '/gateway-signing-key.json',
    platformEnviron: '/proc/' + pid + '/environ',
  })) {
    try { reads[what] = 'READ ' + fs.readFileSync(file, 'latin1').length + ' bytes'; } catch (err) { reads[what] = err.code; }
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ env: process.env, cwd: process.cwd(), uid: process.getuid(), reads }));`,
    `import fs from 'node:fs';`,
  );
  writeFileSync(path.join(dir, 'api.yaml'), postRoutesDocument([{ path: '/snoop', address: 'mlaas://snoop/snoop' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `stateDir: .state
gateway: { document: api.yaml }
services:
  snoop:
    source: snoop
    command: node server.mjs
    scaling: { minInstances: 1 }
    env:
      GIVEN_BY_YAML: yes-given
      inherit: [PASSED_ON]
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, '.state', 120_000, { PLATFORM_SECRET: 'hunter2-cloud-credential', PASSED_ON: 'inherited-value' });
}, 150_000);

afterAll(async () => {
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function snoop(): Promise<Snooped> {
  const { pid } = JSON.parse(readFileSync(state('endpoint.json'), 'utf8')) as { pid: number };
  const res = await fetch(`${up.gatewayUrl}/snoop`, {
    method: 'POST',
    headers: { 'x-api-key': up.demoKey, 'x-snoop': Buffer.from(JSON.stringify({ state: state(), pid })).toString('base64url') },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Snooped;
}

describe('what a service can see of the platform', () => {
  it('gets a clean environment: PATH, HOME, what mlaas.yaml gives it and what the platform sets, nothing else', async () => {
    const { env } = await snoop();
    expect(env['PLATFORM_SECRET']).toBeUndefined();
    expect(Object.values(env)).not.toContain('hunter2-cloud-credential');
    expect(env['GIVEN_BY_YAML']).toBe('yes-given');
    expect(env['PASSED_ON']).toBe('inherited-value');
    expect(env['PATH']).toBe(process.env['PATH']);
    expect(env['K_SERVICE']).toBe('snoop');
    expect(env['K_REVISION']).toBe('snoop-00001');
    expect(Number(env['PORT'])).toBeGreaterThan(0);
    const allowed = /^(PATH|HOME|LANG|TZ|GIVEN_BY_YAML|PASSED_ON|PORT|K_SERVICE|K_REVISION|K_CONFIGURATION|MLAAS_[A-Z_]+)$/;
    expect(Object.keys(env).filter((name) => !allowed.test(name))).toEqual([]);
  });

  it('runs outside the state directory', async () => {
    const { cwd } = await snoop();
    expect(path.relative(state(), cwd).startsWith('..')).toBe(true);
  });

  it('keeps the state directory and its files owner-only', () => {
    expect(statSync(state()).mode & 0o777).toBe(0o700);
    for (const file of ['admin-token', 'gateway-signing-key.json', 'state.db', 'state.db-wal', 'endpoint.json', 'lock', 'demo-keys/demo', 'logs/mlaas.log', 'logs/snoop', 'demo-keys']) {
      const mode = statSync(state(file)).mode & 0o777;
      expect({ file, mode: mode.toString(8) }).toEqual({ file, mode: statSync(state(file)).isDirectory() ? '700' : '600' });
    }
  });

  it('cannot read the admin token, state.db, the demo keys, the signing key or the platform’s /proc environ', async () => {
    const { reads, uid } = await snoop();
    if (ownUser) {
      // mlaas as root runs instances as nobody: the files and /proc/<pid>/environ are the platform user's alone.
      expect(uid).not.toBe(0);
      expect(reads).toEqual({ adminToken: 'EACCES', stateDb: 'EACCES', demoKey: 'EACCES', signingKey: 'EACCES', platformEnviron: 'EACCES' });
      expect(up.output().stdout).toMatch(/instances run as nobody \(uid \d+\)/);
    } else {
      // An ordinary user cannot start processes as another one, nor can root hand them a user that cannot
      // reach the installation: mlaas says so, and why, instead of pretending.
      expect(uid).toBe(process.getuid?.());
      expect(up.output().stdout).toMatch(/instances run as this user and can read what mlaas can: (mlaas is not root|nobody cannot enter)/);
    }
  });
});

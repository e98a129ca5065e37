// The published packages as a new user gets them: `npm pack` of the platform and of the SDK, both installed
// into an empty folder, then `mlaas --version`, the programmatic API, and `mlaas init` + `mlaas up` serving the
// scaffolded TypeScript service through the gateway (built against the installed @mlaas/sdk).
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSpamModel, REPO, SPAM_MODEL } from './spam-model.js';

const run = promisify(execFile);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-packages-'));
// Instances run as an unprivileged user, who must reach the installed platform.
fs.chmodSync(root, 0o755);
const app = path.join(root, 'app');
let up: ChildProcessWithoutNullStreams | undefined;

/** npm's environment without the `npm_*` variables of an enclosing `npm test`, which would point npm at the repository. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

const npm = (args: string[], cwd: string): Promise<{ stdout: string }> => run('npm', args, { cwd, env: cleanEnv(), maxBuffer: 16 << 20 });
const mlaas = (args: string[]): Promise<{ stdout: string }> => run('npx', ['--offline', 'mlaas', ...args], { cwd: app, env: cleanEnv() });

beforeAll(async () => {
  // dist/ is built already (npm test builds first): --ignore-scripts keeps `prepare` from building it again.
  await npm(['pack', '--ignore-scripts', REPO, path.join(REPO, 'packages', 'sdk')], root);
  fs.mkdirSync(app, { mode: 0o755 });
  fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  // From npm's cache (filled by the repository's own `npm ci`) where it can, which keeps the test bounded; the registry
  // only for what `npm ci` never caches — package metadata, which the peer dependency zod of @mlaas/sdk needs — so that
  // a machine whose only install was the repository's own `npm ci` installs too. Install scripts off:
  // better-sqlite3's would compile SQLite for minutes when no prebuilt binary can be fetched; the repository's build
  // of the same version for the same Node is what it would produce.
  await npm(['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '../mlaas-0.1.0.tgz', '../mlaas-sdk-0.1.0.tgz'], app);
  const sqlite = (base: string): string => path.join(base, 'node_modules', 'better-sqlite3');
  const version = (dir: string): string => (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  expect(version(sqlite(app))).toBe(version(sqlite(REPO)));
  fs.cpSync(path.join(sqlite(REPO), 'build', 'Release', 'better_sqlite3.node'), path.join(sqlite(app), 'build', 'Release', 'better_sqlite3.node'));
}, 240_000);

/** Whether any process of the group led by `pid` (npx and the `mlaas up` under it) is still alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  // SIGTERM to the whole group: npx does not pass it on to the `mlaas up` it started, which would outlive the test.
  const pid = up?.pid;
  if (pid !== undefined && groupAlive(pid)) {
    process.kill(-pid, 'SIGTERM');
    for (let waited = 0; groupAlive(pid) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  }
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

function tarball(name: string): Promise<string[]> {
  return run('tar', ['tzf', path.join(root, name)]).then(({ stdout }) => stdout.split('\n').filter((l) => l !== ''));
}

describe('the packages, installed into an empty folder', () => {
  it('ship what a user runs and nothing else: no tests, no examples, no training data', async () => {
    const platform = await tarball('mlaas-0.1.0.tgz');
    expect(platform).toEqual(expect.arrayContaining(['package/bin/mlaas.js', 'package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/LICENSE', 'package/README.md', 'package/schemas/mlaas.schema.json']));
    expect(platform.filter((f) => !/^package\/(bin|dist\/src|dist\/console|schemas)\/|^package\/(LICENSE|README\.md|package\.json)$|^package\/docs\/[a-z-]+\.md$/.test(f))).toEqual([]);
    // The README's links to the docs hold in the package too.
    expect(platform).toEqual(expect.arrayContaining(['package/docs/tutorial.md', 'package/docs/concepts.md']));
    expect(platform.filter((f) => f.includes('.test.'))).toEqual([]);
    const sdk = await tarball('mlaas-sdk-0.1.0.tgz');
    expect(sdk).toEqual(expect.arrayContaining(['package/dist/sdk/index.js', 'package/dist/sdk/index.d.ts', 'package/README.md']));
    const sdkPackage = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', '@mlaas', 'sdk', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(sdkPackage['dependencies']).toBeUndefined();
    expect(sdkPackage['peerDependencies']).toEqual({ zod: '^4.0.0' });
    expect(fs.existsSync(path.join(app, 'node_modules', '@stdlib'))).toBe(false);
  });

  it('npx mlaas --version, and the programmatic API and both SDK names import', async () => {
    expect((await mlaas(['--version'])).stdout.trim()).toBe('0.1.0');
    const probe =
      "const [p, a, b] = await Promise.all([import('mlaas'), import('mlaas/sdk'), import('@mlaas/sdk')]);" +
      'console.log(typeof p.startPlatform, typeof p.loadConfig, a.service === b.service);';
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: app });
    expect(stdout.trim()).toBe('function function true');
  });

  it('mlaas init + mlaas up serve the scaffolded TypeScript service and ONNX model through the gateway, and up lists their routes', async () => {
    expect((await mlaas(['init', 'hello'])).stdout).toContain('POST /v1/hello/predict');
    ensureSpamModel();
    expect((await mlaas(['init', '--template', 'onnx', '--model', SPAM_MODEL, '--name', 'spam', 'models/spam'])).stdout).toContain('POST /v2/models/spam/infer');
    up = spawn('npx', ['--offline', 'mlaas', 'up', '--port', '0', '--admin-port', '0', '--no-watch'], { cwd: app, env: cleanEnv(), detached: true });
    let stdout = '';
    let stderr = '';
    up.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    up.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 150_000;
    while (!stdout.includes('Ctrl-C stops everything.')) {
      if (up.exitCode !== null || Date.now() > deadline) throw new Error(`mlaas up did not start\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stdout).toContain('service   hello: 1 ready, hello-00001 (100%)');
    expect(stdout).toContain('service   spam: 1 ready, spam-00001 (100%)');
    expect(stdout).toContain('route     POST /v1/hello/predict → hello');
    expect(stdout).toContain('route     POST /v2/models/spam/infer → spam');
    expect(stdout).not.toContain('spam-filter');
    const gateway = /gateway\s+(http:\/\/\S+)/.exec(stdout)?.[1] ?? '';
    const key = fs.readFileSync(path.join(app, '.mlaas', 'demo-keys', 'demo'), 'utf8').trim();
    const call = (body: unknown): Promise<Response> =>
      fetch(`${gateway}/v1/hello/predict`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await call({ text: 'hi' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ length: 2, tenant: 'demo', config: {} });
    const bad = await call({});
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await bad.json()).toMatchObject({ code: 'SDK_BODY_INVALID', errors: [{ path: 'text' }] });
    const infer = await fetch(`${gateway}/v2/models/spam/infer`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'indices', shape: [1, 3], datatype: 'INT64', data: [17, 4242, 90001] }] }),
    });
    expect(infer.status).toBe(200);
    expect(await infer.json()).toMatchObject({ model_name: 'spam', outputs: [expect.objectContaining({ name: 'spam_probability' })] });
  }, 200_000);
});

/**
 * Black-box: every CLI command behaves the same way on the same kind of
 * mistake (issue 11, item 9). An unknown service, revision, tenant, key or
 * model is an error naming it, exit 1; a usage error is one line and a hint
 * at `--help`, exit 2; `-o json` and `-o yaml` print the same data; and with
 * no platform running every command says so in the same words.
 *
 * The tables are the point: a new command adds its rows.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BIN, startMlaasUp, type CliResult, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;
/** A key of tenant demo created by the test, for the rows that need a known key. */
let keyId: string;

/** Runs `mlaas ARGS` with no platform behind MLAAS_STATE_DIR / MLAAS_ADMIN_URL. */
function cliWithout(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MLAAS_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...clean, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

function expectNoStack(r: CliResult): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('Usage:');
}

/**
 * The "no platform" error as the last line of stderr: `deploy` prints its
 * packing step (indented) before it calls the platform.
 */
function expectOnlyError(r: CliResult, error: string): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith(error)).toBe(true);
  const before = r.stderr.slice(0, -error.length).split('\n').filter((l) => l !== '');
  for (const line of before) expect(line).toMatch(/^ {2}\S/);
}

/** Every command that talks to the platform, with arguments that would otherwise be fine. */
const EVERY_COMMAND: ReadonlyArray<readonly string[]> = [
  ['status'],
  ['reload'],
  ['keys', 'create', '--tenant', 'demo'],
  ['keys', 'list'],
  ['keys', 'revoke', 'k1'],
  ['keys', 'rotate', 'k1'],
  ['tenants', 'list'],
  ['tenants', 'get', 'demo'],
  ['tenants', 'set', 'demo'],
  ['tenants', 'delete', 'demo'],
  ['flags', 'get'],
  ['flags', 'set', '-f', 'flags.yaml'],
  ['deploy', 'echo', '--source', 'echo-v1'],
  ['revisions', 'echo'],
  ['traffic', 'echo', '--to-latest'],
  ['rollback', 'echo'],
  ['models', 'push', 'm', 'model.txt'],
  ['models', 'list'],
  ['models', 'show', 'm'],
  ['models', 'alias', 'm', 'production', '1'],
  ['models', 'rm', 'm', '1'],
  ['services', 'list'],
  ['services', 'describe', 'echo'],
  ['services', 'update', 'echo', '--concurrency', '4'],
  ['services', 'delete', 'echo'],
  ['revisions', 'describe', 'echo-00001'],
  ['revisions', 'delete', 'echo-00001'],
  ['plan'],
  ['apply', '--yes'],
  ['logs', 'echo'],
  ['audit'],
];

/** An unknown name on each command that takes one: what stderr must name. */
const UNKNOWN_NAMES: ReadonlyArray<{ args: readonly string[]; says: string }> = [
  { args: ['revisions', 'nosuch'], says: 'error: no service nosuch [ADMIN_NOT_FOUND]' },
  { args: ['traffic', 'nosuch', '--to-latest'], says: 'error: no service nosuch [ADMIN_NOT_FOUND]' },
  { args: ['traffic', 'nosuch', 'nosuch-00001=100'], says: 'error: no service nosuch [ADMIN_NOT_FOUND]' },
  { args: ['rollback', 'nosuch'], says: 'error: no service nosuch [ADMIN_NOT_FOUND]' },
  { args: ['deploy', 'nosuch', '--source', 'echo-v1'], says: 'error: no service nosuch' },
  { args: ['traffic', 'echo', 'echo-00099=100'], says: 'no revision echo-00099 of service echo' },
  { args: ['traffic', 'echo', '--to-latest', '--tag', 'x=echo-00099'], says: 'no revision echo-00099 of service echo' },
  { args: ['tenants', 'get', 'nosuch'], says: 'error: no tenant nosuch [ADMIN_NOT_FOUND]' },
  { args: ['tenants', 'delete', 'nosuch'], says: 'error: no tenant nosuch [ADMIN_NOT_FOUND]' },
  { args: ['keys', 'create', '--tenant', 'nosuch'], says: 'error: no tenant nosuch [ADMIN_NOT_FOUND]' },
  { args: ['keys', 'list', '--tenant', 'nosuch'], says: 'error: no tenant nosuch [ADMIN_NOT_FOUND]' },
  { args: ['keys', 'revoke', 'nosuch'], says: 'error: no key nosuch [ADMIN_NOT_FOUND]' },
  { args: ['keys', 'rotate', 'nosuch'], says: 'error: no key nosuch [ADMIN_NOT_FOUND]' },
  { args: ['models', 'show', 'nosuch'], says: 'model nosuch' },
  { args: ['models', 'show', 'nosuch@1'], says: 'model nosuch' },
  { args: ['models', 'show', 'm@7'], says: 'model m has no version 7' },
  { args: ['models', 'show', 'm@nosuch'], says: 'model m has no alias nosuch' },
  { args: ['models', 'alias', 'nosuch', 'production', '1'], says: 'model nosuch' },
  { args: ['models', 'alias', 'm', 'production', '7'], says: 'model m has no version 7' },
  { args: ['models', 'rm', 'nosuch', '1'], says: 'model nosuch' },
  { args: ['models', 'rm', 'm', '7'], says: 'model m has no version 7' },
  { args: ['services', 'describe', 'nosuch'], says: 'error: no service nosuch [ADMIN_NOT_FOUND]' },
  { args: ['services', 'update', 'nosuch', '--concurrency', '4'], says: 'error: no service nosuch [ADMIN_NOT_FOUND]' },
  { args: ['services', 'delete', 'nosuch'], says: 'error: no service nosuch [ADMIN_NOT_FOUND]' },
  { args: ['revisions', 'describe', 'nosuch-00001'], says: 'error: no revision nosuch-00001 [ADMIN_NOT_FOUND]' },
  { args: ['revisions', 'delete', 'nosuch-00001'], says: 'error: no revision nosuch-00001 [ADMIN_NOT_FOUND]' },
];

/** Usage errors: the first line of stderr. None needs a platform: each is found before one is called. */
const USAGE_ERRORS: ReadonlyArray<{ args: readonly string[]; says: string; help: string }> = [
  { args: ['nosuch'], says: "error: unknown command 'nosuch'", help: 'mlaas' },
  { args: ['status', '--bogus'], says: "error: unknown option '--bogus'", help: 'mlaas status' },
  { args: ['status', '-o', 'xml'], says: "error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are table, json, yaml.", help: 'mlaas status' },
  { args: ['revisions'], says: 'error: give the service whose revisions to list: mlaas revisions SERVICE', help: 'mlaas revisions' },
  { args: ['revisions', 'echo', 'extra'], says: 'error: too many arguments for', help: 'mlaas revisions' },
  { args: ['keys', 'create'], says: "error: required option '--tenant <id>' not specified", help: 'mlaas keys create' },
  { args: ['keys', 'create', '--tenant', 'demo', '--rpm', 'many'], says: "error: option '--rpm <n>' argument 'many' is invalid. expected an integer.", help: 'mlaas keys create' },
  { args: ['keys', 'create', '--tenant', 'demo', '--burst', '5'], says: 'error: --burst needs --rpm', help: 'mlaas keys create' },
  { args: ['keys', 'list', '-o', 'csv'], says: "argument 'csv' is invalid", help: 'mlaas keys list' },
  { args: ['tenants', 'set', 'acme', '--config', 'nope'], says: 'error: --config: expected a JSON object, got nope', help: 'mlaas tenants set' },
  { args: ['tenants', 'set', 'acme', '--burst', '5'], says: 'error: --burst needs --rpm', help: 'mlaas tenants set' },
  { args: ['tenants', 'set', 'acme', '--key-rpm', '1.5'], says: "error: option '--key-rpm <n>' argument '1.5' is invalid", help: 'mlaas tenants set' },
  { args: ['traffic', 'echo', 'echo-00001'], says: 'error: expected REVISION=PERCENT, got echo-00001', help: 'mlaas traffic' },
  { args: ['traffic', 'echo', '--tag', 'canary'], says: 'error: --tag: expected TAG=REVISION, got canary', help: 'mlaas traffic' },
  { args: ['flags', 'set'], says: "error: required option '-f, --file <path>' not specified", help: 'mlaas flags set' },
  { args: ['flags', 'get', '-o', 'xml'], says: "argument 'xml' is invalid", help: 'mlaas flags get' },
  { args: ['models', 'rm', 'm', 'one'], says: 'error: VERSION: expected a version number ≥ 1, got one', help: 'mlaas models rm' },
  { args: ['models', 'alias', 'm', 'production', '1', '--rollout', 'half'], says: 'error: --rollout: expected canary=P', help: 'mlaas models alias' },
  { args: ['models', 'push', 'm', 'model.txt', '--meta', 'auc'], says: 'error: --meta: expected KEY=VALUE, got auc', help: 'mlaas models push' },
  { args: ['up', '--port', '1', '--bogus'], says: "error: unknown option '--bogus'", help: 'mlaas up' },
  { args: ['status', '--admin-url', 'localhost:8081'], says: 'error: --admin-url: expected an http(s) URL, got localhost:8081', help: 'mlaas status' },
  { args: ['up', '--port', 'http'], says: "error: option '--port <port>' argument 'http' is invalid. expected a port 0–65535.", help: 'mlaas up' },
  { args: ['services', 'update', 'echo'], says: 'error: no configuration change requested', help: 'mlaas services update' },
  { args: ['services', 'update', 'echo', '--command', 'node a.js | tee log'], says: 'error: --command: expected a command and its arguments, got the shell operator |', help: 'mlaas services update' },
  { args: ['services', 'update', 'echo', '--timeout', 'soon'], says: 'error: --timeout: expected a duration such as 300s, 5m or 300, got soon', help: 'mlaas services update' },
  { args: ['services', 'describe'], says: "error: missing required argument 'service'", help: 'mlaas services describe' },
  { args: ['plan', '--bogus'], says: "error: unknown option '--bogus'", help: 'mlaas plan' },
  { args: ['apply', '-o', 'xml'], says: "argument 'xml' is invalid", help: 'mlaas apply' },
  { args: ['up', '--admin-port', '70000'], says: "error: option '--admin-port <port>' argument '70000' is invalid.", help: 'mlaas up' },
];

/** Commands that print a resource, for `-o json` against `-o yaml`; none of their data moves while the test runs. */
const PRINTS_A_RESOURCE: ReadonlyArray<readonly string[]> = [
  ['revisions', 'echo'],
  ['keys', 'list'],
  ['keys', 'list', '--tenant', 'demo'],
  ['tenants', 'list'],
  ['tenants', 'get', 'demo'],
  ['flags', 'get'],
  ['models', 'list'],
  ['models', 'show', 'm'],
  ['models', 'show', 'm@1'],
];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-cli-'));
  writeNodeService(
    path.join(dir, 'echo-v1'),
    `  req.resume();
  req.on('end', () => res.end('{}'));`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/echo' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo-v1
    command: [node, server.mjs]
    drainTimeoutSeconds: 1
tenants:
  demo: { demoKey: true }
`,
  );
  writeFileSync(path.join(dir, 'flags.yaml'), 'flags:\n  beta: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: off }\n');
  writeFileSync(path.join(dir, 'model.txt'), 'weights');
  up = await startMlaasUp(dir, 'state');
  await up.cliOk(['models', 'push', 'm', 'model.txt', '--alias', 'staging']);
  await up.cliOk(['flags', 'set', '-f', 'flags.yaml']);
  keyId = (JSON.parse(await up.cliOk(['keys', 'create', '--tenant', 'demo', '-o', 'json'])) as { id: string }).id;
}, 120_000);

afterAll(async () => {
  await up?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('an unknown name is an error naming it, exit 1, on every command', () => {
  // Read-only rows against one platform: they run side by side (each is a CLI process start).
  it.concurrent.for(UNKNOWN_NAMES)('mlaas $args', async ({ args, says }) => {
    const r = await up.cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(says);
    expect(r.stdout).toBe('');
    expectNoStack(r);
  });
});

describe('a usage error exits 2 with one line and a hint, never the whole help', () => {
  it.concurrent.for(USAGE_ERRORS)('mlaas $args', async ({ args, says, help }) => {
    const r = await cliWithout(args, { MLAAS_STATE_DIR: path.join(dir, 'no-platform') });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([expect.stringContaining(says), `run \`${help} --help\` for usage`, '']);
    expect(r.stdout).toBe('');
  });

  it('a command group without its subcommand lists the subcommands, exit 2', async () => {
    const r = await cliWithout(['keys'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: mlaas keys [options] [command]');
    expect(r.stderr).toMatch(/^ {2}rotate \[options\] <id>/m);
    expect(r.stdout).toBe('');
  });

  it('--help still prints the help on stdout, exit 0', async () => {
    const r = await cliWithout(['keys', 'create', '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: mlaas keys create [options]');
    expect(r.stdout).toContain('-o, --output <format>');
    expect(r.stderr).toBe('');
  });
});

describe('a refused flag value is reported under the flag, not the request field', () => {
  const rows: ReadonlyArray<{ args: () => readonly string[]; flag: string; field: string; code?: string }> = [
    { args: () => ['keys', 'create', '--tenant', 'demo', '--expires-at', 'yesterday'], flag: '--expires-at', field: 'expiresAt' },
    { args: () => ['keys', 'create', '--tenant', 'demo', '--expires-at', '2001-01-01T00:00:00Z'], flag: '--expires-at', field: 'expiresAt' },
    { args: () => ['keys', 'create', '--tenant', 'demo', '--rpm', '0'], flag: '--rpm', field: 'quota.requestsPerMinute' },
    { args: () => ['keys', 'create', '--tenant', 'demo', '--rpm', '10', '--burst', '0'], flag: '--burst', field: 'quota.burst' },
    { args: () => ['keys', 'create', '--tenant', 'demo', '--scope', 'Not_A_Service'], flag: '--scope', field: 'scopes' },
    { args: () => ['keys', 'rotate', keyId, '--overlap', 'forever'], flag: '--overlap', field: 'overlap' },
    { args: () => ['tenants', 'set', 'acme', '--rpm', '-1'], flag: '--rpm', field: 'quota.requestsPerMinute' },
    { args: () => ['tenants', 'set', 'acme', '--key-rpm', '0'], flag: '--key-rpm', field: 'keyQuota' },
    { args: () => ['tenants', 'set', 'acme', '--attributes', '{"plan":[1]}'], flag: '--attributes', field: 'attributes' },
    { args: () => ['deploy', 'echo', '--source', 'echo-v1', '--tag', 'Not_A_Tag'], flag: '--tag', field: 'tag', code: 'ADMIN_QUERY_INVALID' },
    { args: () => ['models', 'push', 'm', 'model.txt', '--alias', 'Not_An_Alias'], flag: '--alias', field: 'alias', code: 'ADMIN_QUERY_INVALID' },
  ];
  it.each(rows)('$flag', async ({ args, flag, field, code = 'ADMIN_BODY_INVALID' }) => {
    const r = await up.cli(args());
    expect(r.code).toBe(1);
    // What a long action printed before it was refused (deploy's packing step) comes first.
    const lines = r.stderr.trimEnd().split('\n');
    const [first, ...issues] = lines.slice(lines.findIndex((l) => l.startsWith('error: ')));
    expect(first).toBe(`error: invalid ${flag} [${code}]`);
    expect(issues.length).toBeGreaterThan(0);
    for (const line of issues) expect(line.startsWith(`  ${flag}: `) && !line.startsWith(`  ${field}`)).toBe(true);
    expectNoStack(r);
  });
});

describe('-o json and -o yaml print the same data', () => {
  it.each(PRINTS_A_RESOURCE)('mlaas %s …', async (...args) => {
    const json = JSON.parse(await up.cliOk([...args, '-o', 'json'])) as unknown;
    const yaml = parseYaml(await up.cliOk([...args, '-o', 'yaml'])) as unknown;
    expect(yaml).toEqual(json);
    expect(json).not.toEqual([]);
  });

  it('status, keys create, tenants set, traffic, flags get and models alias print yaml that parses', async () => {
    const status = parseYaml(await up.cliOk(['status', '-o', 'yaml'])) as { services: Array<{ key: string }> };
    expect(status.services.map((s) => s.key)).toContain('echo-00001');
    const key = parseYaml(await up.cliOk(['keys', 'create', '--tenant', 'demo', '-o', 'yaml'])) as { key: string; tenantId: string };
    expect(key.key).toMatch(/^mlk_/);
    expect(key.tenantId).toBe('demo');
    const tenant = parseYaml(await up.cliOk(['tenants', 'set', 'acme', '--rpm', '60', '-o', 'yaml'])) as { id: string; quota: object };
    expect(tenant).toMatchObject({ id: 'acme', quota: { requestsPerMinute: 60 } });
    const traffic = parseYaml(await up.cliOk(['traffic', 'echo', 'echo-00001=100', '-o', 'yaml'])) as { resolved: { targets: object[] } };
    expect(traffic.resolved.targets).toEqual([{ revision: 'echo-00001', percent: 100 }]);
    const flags = parseYaml(await up.cliOk(['flags', 'get', '-o', 'yaml'])) as { flags: Record<string, object> };
    expect(Object.keys(flags.flags)).toEqual(['beta']);
    const alias = parseYaml(await up.cliOk(['models', 'alias', 'm', 'production', '1', '-o', 'yaml'])) as { alias: object; rollouts: object[] };
    expect(alias).toMatchObject({ alias: { name: 'm', alias: 'production', version: 1 }, rollouts: [] });
  });

  it('deploy -o yaml prints the new revision', async () => {
    const deployed = parseYaml(await up.cliOk(['deploy', 'echo', '--source', 'echo-v1', '--no-traffic', '-o', 'yaml'])) as { name: string };
    expect(deployed.name).toBe('echo-00002');
  }, 60_000);

  it('the table stays the default, and flags get stays JSON by default', async () => {
    expect((await up.cliOk(['revisions', 'echo'])).split('\n')[0]).toMatch(/^REVISION\s+STATE\s+TRAFFIC/);
    expect((await up.cliOk(['tenants', 'get', 'demo'])).split('\n')[0]).toMatch(/^ID\s+NAME/);
    expect(JSON.parse(await up.cliOk(['flags', 'get']))).toMatchObject({ flags: { beta: { defaultVariant: 'off' } } });
    expect((await up.cliOk(['flags', 'get', '-o', 'table'])).split('\n')[1]).toMatch(/^beta\s+ENABLED\s+off\s+on,off/);
  });

  it('a reader that closes the pipe early (| head) ends the command quietly, exit 0, no stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'revisions', 'echo'], {
      cwd: dir,
      env: { ...process.env, MLAAS_STATE_DIR: path.join(dir, 'state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('with no platform running, every command says so in the same words, exit 1', () => {
  const noPlatform = (): string => path.join(dir, 'no-platform');
  const expected = (stateDir: string): string =>
    `error: no mlaas platform is running for state dir ${stateDir} (start one with \`mlaas up\`, or pass --state-dir / --admin-url)\n`;

  it.concurrent.for(EVERY_COMMAND)('mlaas %s … (no state dir)', async (args) => {
    const r = await cliWithout(args, { MLAAS_STATE_DIR: noPlatform() });
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 1, stderr: expected(noPlatform()), stdout: '' });
  });

  it.concurrent.for(EVERY_COMMAND)('mlaas %s … (a stale endpoint.json, nothing listening)', async (args) => {
    // One state dir per row: the rows run side by side.
    const stale = path.join(dir, `stale-${args.join('-').replace(/[^a-z0-9-]/gi, '')}`);
    mkdirSync(stale, { recursive: true });
    writeFileSync(path.join(stale, 'endpoint.json'), JSON.stringify({ adminUrl: `http://127.0.0.1:${await closedPort()}` }));
    writeFileSync(path.join(stale, 'admin-token'), 'x');
    const r = await cliWithout([...args, '--state-dir', path.basename(stale)], {});
    expectOnlyError(r, expected(stale));
  });

  it('asks for the token when --admin-url was given without one', async () => {
    const r = await cliWithout(['status', '--admin-url', 'http://127.0.0.1:1', '--state-dir', 'nowhere'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no admin token for http://127.0.0.1:1: pass --token (or MLAAS_ADMIN_TOKEN), or the --state-dir of that platform\n');
  });

  it('names the address when it was given with --admin-url', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cliWithout(['status', '--admin-url', url, '--token', 'x'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: no mlaas platform is running at ${url} (start one with \`mlaas up\`, or pass --state-dir / --admin-url)\n`);
  });
});

/** A loopback port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Black-box: live reload of the real `mlaas up`. A path added to the gateway
 * document answers on the next request after `mlaas reload` (or SIGHUP)
 * returns, and after the file watch saw an editor's rename-and-replace save;
 * an invalid edit leaves the old configuration serving and names every error
 * by path (`mlaas reload`'s stderr and exit 1; the platform's log for the
 * watch); a flagd flags file edit applies within 1 s; and under a load of 8
 * connections on an unchanged route, 10 reloads that add a route, drop one
 * and move a backend fail no request, each new route answering at once.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnswerCountingLoad } from './answer-counting-load.js';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService, type PostRoute } from './scenario.js';

/** How long a test waits for the file watch to have acted: a bound, far above what it takes (≈ 0.1–0.3 s). */
const WATCH_BOUND_MS = 5_000;

function writeEcho(dir: string, name: string): void {
  writeNodeService(
    path.join(dir, name),
    `  req.resume();
  req.on('end', () => {
    const header = req.headers['x-mlaas-config'];
    const config = header === undefined ? null : JSON.parse(Buffer.from(header, 'base64url').toString());
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service: '${name}', config }));
  });`,
  );
}

/** What vim and atomic-save editors do: a new file beside the old one, renamed over it. */
function saveByRename(file: string, text: string): void {
  writeFileSync(`${file}.swp`, text);
  renameSync(`${file}.swp`, file);
}

const route = (p: string, service = 'echo'): PostRoute => ({ path: p, address: `mlaas://${service}/answer` });

/** A platform in a fresh directory: services `echo` and `other`, tenant `acme`, a flagd flags file. */
async function startPlatform(upArgs: readonly string[]): Promise<{ dir: string; up: MlaasUp }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-reload-e2e-'));
  writeEcho(dir, 'echo');
  writeEcho(dir, 'other');
  const service = (name: string) => `  ${name}:
    source: ${name}
    command: [node, server.mjs]
    drainTimeoutSeconds: 2
    scaling: { minInstances: 1 }
`;
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
${service('echo')}${service('other')}tenants:
  acme: { demoKey: true, config: { language: en } }
flags: { file: flags.json }
`,
  );
  writeFlags(dir, 0.5);
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([route('/v1/echo'), route('/v1/switch'), route('/v1/gone')]));
  return { dir, up: await startMlaasUp(dir, 'state', 120_000, {}, 0, upArgs) };
}

/** flagd's daemon form, with `flags` a list of flags that carry their key. */
function writeFlags(dir: string, threshold: number, save: (file: string, text: string) => void = writeFileSync): void {
  const flags = [{ key: 'threshold', state: 'ENABLED', variants: { low: 0.1, high: threshold }, defaultVariant: 'high' }];
  save(path.join(dir, 'flags.json'), JSON.stringify({ $schema: 'https://flagd.dev/schema/v0/flagd.json', flags }));
}

interface Answer {
  status: number;
  code?: string;
  service?: string;
  config?: { threshold?: number; language?: string };
}

async function call(up: MlaasUp, p: string): Promise<Answer> {
  const res = await fetch(up.gatewayUrl + p, { method: 'POST', headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' }, body: '{}' });
  return { status: res.status, ...((await res.json()) as object) };
}

describe('with the file watch (the default)', () => {
  let dir: string;
  let up: MlaasUp;

  beforeAll(async () => {
    ({ dir, up } = await startPlatform([]));
  });

  afterAll(async () => {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a path added by an editor’s rename-and-replace save, and says so', async () => {
    expect(await call(up, '/v1/added')).toMatchObject({ status: 404, code: 'GW_ROUTE_NOT_FOUND' });
    saveByRename(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([route('/v1/echo'), route('/v1/switch'), route('/v1/added', 'other')]));
    await waitUntil('the added path to answer', () => call(up, '/v1/added'), (a) => a.status === 200, WATCH_BOUND_MS, 50);
    expect(await call(up, '/v1/added')).toMatchObject({ status: 200, service: 'other' });
    expect(await call(up, '/v1/gone')).toMatchObject({ status: 404 });
    expect(up.output().stderr).toContain('reloaded: routes + POST /v1/added, - POST /v1/gone (file watch)');
    // A second save of the replaced file is still seen.
    saveByRename(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([route('/v1/echo'), route('/v1/switch'), route('/v1/added')]));
    await waitUntil('the added path to move to echo', () => call(up, '/v1/added'), (a) => a.service === 'echo', WATCH_BOUND_MS, 50);
  });

  it('keeps the old document serving after an invalid edit, and logs every error by path', async () => {
    const document = path.join(dir, 'api-gateway.yaml');
    const valid = readFileSync(document, 'utf8');
    saveByRename(
      document,
      postRoutesDocument([route('/v1/echo'), route('/v1/added'), { ...route('/v1/broken'), deadline: -1 }, route('/v1/nobody', 'no-such-service')]),
    );
    try {
      const log = path.join(dir, 'state', 'logs', 'mlaas.log');
      const refused = await waitUntil('the refusal in the log', async () => readFileSync(log, 'utf8'), (text) => text.includes('reload refused'), WATCH_BOUND_MS, 50);
      const entry = JSON.parse(refused.split('\n').find((line) => line.includes('reload refused')) ?? '{}') as { trigger?: string; code?: string; errors?: { path: string }[] };
      expect(entry).toMatchObject({ trigger: 'file watch', code: 'GATEWAY_DOC_INVALID' });
      expect(entry.errors?.map((e) => e.path)).toEqual(['paths./v1/broken.post.x-google-backend.deadline', 'paths./v1/nobody.post.x-google-backend.address']);
      expect(up.output().stderr).toMatch(
        /reload refused \(file watch\): .*api-gateway\.yaml: 2 errors; nothing changed, the running configuration keeps serving \[GATEWAY_DOC_INVALID\]\n {2}paths\.\/v1\/broken\.post\.x-google-backend\.deadline: /,
      );
      expect(await call(up, '/v1/echo')).toMatchObject({ status: 200 });
      expect(await call(up, '/v1/switch')).toMatchObject({ status: 200 });
      expect(await call(up, '/v1/broken')).toMatchObject({ status: 404 });
    } finally {
      saveByRename(document, valid);
    }
  });

  it('applies a flags file edit within 1 s, written in place or saved by rename', async () => {
    for (const [threshold, save] of [
      [0.9, writeFileSync],
      [0.8, saveByRename],
    ] as const) {
      const written = Date.now();
      writeFlags(dir, threshold, save);
      await waitUntil(`threshold ${threshold}`, () => call(up, '/v1/echo'), (a) => a.config?.threshold === threshold, WATCH_BOUND_MS, 20);
      const tookMs = Date.now() - written;
      expect(tookMs).toBeLessThan(1000);
    }
    expect(up.output().stderr).toContain('reloaded: flags threshold (file watch)');
  });
});

describe('with --no-watch: `mlaas reload` and SIGHUP', () => {
  let dir: string;
  let up: MlaasUp;
  const document = (): string => path.join(dir, 'api-gateway.yaml');

  beforeAll(async () => {
    ({ dir, up } = await startPlatform(['--no-watch']));
  });

  afterAll(async () => {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a path added to the document on the next request after `mlaas reload` returns', async () => {
    saveByRename(document(), postRoutesDocument([route('/v1/echo'), route('/v1/switch'), route('/v1/gone'), route('/v1/added')]));
    // No watch: the edit alone changes nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(await call(up, '/v1/added')).toMatchObject({ status: 404 });
    const out = await up.cliOk(['reload']);
    expect(await call(up, '/v1/added')).toMatchObject({ status: 200, service: 'echo' });
    expect(out).toBe('reloaded: routes + POST /v1/added\n');
    expect(JSON.parse(await up.cliOk(['reload', '-o', 'json']))).toMatchObject({ changed: false, notApplied: [] });
  });

  it('refuses an invalid edit with every error by path on stderr and exit 1; the old configuration serves', async () => {
    const valid = readFileSync(document(), 'utf8');
    const flags = readFileSync(path.join(dir, 'flags.json'), 'utf8');
    try {
      saveByRename(document(), postRoutesDocument([route('/v1/echo', 'nobody'), { ...route('/v1/switch'), deadline: 0 }]));
      const result = await up.cli(['reload']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('api-gateway.yaml: 2 errors; nothing changed, the running configuration keeps serving [GATEWAY_DOC_INVALID]');
      expect(result.stderr).toContain('  paths./v1/echo.post.x-google-backend.address: ');
      expect(result.stderr).toContain('  paths./v1/switch.post.x-google-backend.deadline: ');
      expect(await call(up, '/v1/echo')).toMatchObject({ status: 200, service: 'echo' });
      saveByRename(document(), valid);
      writeFileSync(path.join(dir, 'flags.json'), '{"flags": [{"state": "ENABLED"}]}');
      const badFlags = await up.cli(['reload']);
      expect(badFlags.code).toBe(1);
      expect(badFlags.stderr).toContain('flags.json: 1 error; nothing changed');
      expect(badFlags.stderr).toContain('  flags[0].key: ');
      expect((await call(up, '/v1/echo')).config).toEqual({ language: 'en', threshold: 0.5 });
    } finally {
      saveByRename(document(), valid);
      writeFileSync(path.join(dir, 'flags.json'), flags);
    }
    expect(await up.cliOk(['reload'])).toBe('reloaded: nothing changed\n');
  });

  it('reloads on SIGHUP and keeps running', async () => {
    saveByRename(document(), postRoutesDocument([route('/v1/echo'), route('/v1/switch'), route('/v1/gone'), route('/v1/hangup')]));
    up.child.kill('SIGHUP');
    await waitUntil('the SIGHUP reload', async () => up.output().stderr, (e) => e.includes('(SIGHUP)'), WATCH_BOUND_MS, 50);
    expect(up.output().stderr).toContain('reloaded: routes + POST /v1/hangup, - POST /v1/added (SIGHUP)');
    expect(await call(up, '/v1/hangup')).toMatchObject({ status: 200 });
    expect(up.child.exitCode).toBeNull();
  });

  it('fails no request on an unchanged route under 8 connections while 10 reloads add, drop and move routes', async () => {
    let reloading = true;
    let answered = 0;
    const load = runAnswerCountingLoad({
      url: `${up.gatewayUrl}/v1/echo`,
      headers: { 'x-api-key': up.demoKey },
      body: '{}',
      connections: 8,
      maxRequests: 500_000,
      durationMs: 90_000,
      answerWithinMs: 10_000,
      onAnswer: (n) => (answered = n),
      until: () => !reloading,
    });
    try {
      await waitUntil('the load to be under way', async () => answered, (n) => n >= 100, 10_000, 20);
      for (let i = 1; i <= 10; i++) {
        const switchTo = i % 2 === 1 ? 'other' : 'echo';
        saveByRename(document(), postRoutesDocument([route('/v1/echo'), route('/v1/switch', switchTo), route(`/v1/route-${i}`)]));
        const before = answered;
        const out = await up.cliOk(['reload']);
        expect(out).toContain(`+ POST /v1/route-${i}`);
        expect(await call(up, `/v1/route-${i}`)).toMatchObject({ status: 200, service: 'echo' });
        expect(await call(up, `/v1/route-${i - 1}`)).toMatchObject({ status: 404 });
        expect(await call(up, '/v1/switch')).toMatchObject({ status: 200, service: switchTo });
        // Each reload happened with the load running through it.
        expect(answered).toBeGreaterThan(before);
      }
    } finally {
      reloading = false;
    }
    const report = await load;
    expect(report.noAnswer).toBe(0);
    expect(report.truncated).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.byStatus).toEqual({ '200': report.sent });
    expect(report.sent).toBeGreaterThan(500);
  }, 120_000);
});

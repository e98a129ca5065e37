/**
 * Black-box: a revision in state.db recorded before the Knative settings
 * (timeoutSeconds, metric, panic, burst, retention…) existed. Its spec has
 * only the fields the older mlaas knew; `mlaas up` with the unchanged
 * mlaas.yaml starts it again and makes no new revision; setting one of the
 * new fields in the file makes exactly one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

/** The scaling fields of the mlaas before this change: the only ones its revisions have. */
const OLD_SCALING_KEYS = ['concurrency', 'initialInstances', 'maxInstances', 'minInstances', 'scaleDownDelay', 'scaleToZeroAfter', 'stableWindow', 'utilization'];
const OLD_SPEC_KEYS = ['artifact', 'command', 'drainTimeoutSeconds', 'env', 'models', 'readiness', 'scaling'];

let dir: string;
let running: MlaasUp | undefined;

const CONFIG = `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo
    command: [node, server.mjs]
    drainTimeoutSeconds: 1
tenants:
  demo: { demoKey: true }
`;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-upgrade-'));
  writeNodeService(path.join(dir, 'echo'), `  req.resume();\n  req.on('end', () => res.end(JSON.stringify({ revision: req.headers['x-mlaas-revision'] })));`);
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/' }]));
  writeFileSync(path.join(dir, 'mlaas.yaml'), CONFIG);
});

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `mlaas up`, answers the revision that served one request and the service's revision names, and stops. */
async function runOnce(): Promise<{ served: string | undefined; revisions: string[] }> {
  running = await startMlaasUp(dir, 'state');
  const up = running;
  const res = await fetch(`${up.gatewayUrl}/v1/echo`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
  expect(res.status).toBe(200);
  const { revision } = (await res.json()) as { revision?: string };
  const revisions = (JSON.parse(await up.cliOk(['revisions', 'echo', '-o', 'json'])) as Array<{ name: string }>).map((r) => r.name);
  await up.stop();
  running = undefined;
  return { served: revision, revisions };
}

/** Rewrites a stored revision's spec to the older layout: drops every field that layout did not have. */
function downgradeSpec(revision: string): { spec: string[]; scaling: string[] } {
  const db = new Database(path.join(dir, 'state', 'state.db'));
  try {
    const row = db.prepare('SELECT spec FROM revisions WHERE name = ?').get(revision) as { spec: string };
    const spec = JSON.parse(row.spec) as Record<string, unknown> & { scaling: Record<string, unknown> };
    const found = { spec: Object.keys(spec).sort(), scaling: Object.keys(spec.scaling).sort() };
    const old = Object.fromEntries(Object.entries(spec).filter(([k]) => OLD_SPEC_KEYS.includes(k)));
    old.scaling = Object.fromEntries(Object.entries(spec.scaling).filter(([k]) => OLD_SCALING_KEYS.includes(k)));
    db.prepare('UPDATE revisions SET spec = ? WHERE name = ?').run(JSON.stringify(old), revision);
    return found;
  } finally {
    db.close();
  }
}

describe('a revision recorded before the Knative settings', () => {
  it('records no new field the file does not set, restarts unchanged, and gets one new revision once the file sets one', async () => {
    const first = await runOnce();
    expect(first).toEqual({ served: 'echo-00001', revisions: ['echo-00001'] });
    // What this mlaas wrote is already the older layout: nothing of the new settings, as none is set.
    expect(downgradeSpec('echo-00001')).toEqual({ spec: OLD_SPEC_KEYS, scaling: OLD_SCALING_KEYS });

    expect(await runOnce()).toEqual({ served: 'echo-00001', revisions: ['echo-00001'] });

    writeFileSync(path.join(dir, 'mlaas.yaml'), CONFIG.replace('drainTimeoutSeconds: 1', 'drainTimeoutSeconds: 1\n    timeoutSeconds: 120'));
    const changed = await runOnce();
    expect(changed.revisions.sort()).toEqual(['echo-00001', 'echo-00002']);
    expect(changed.served).toBe('echo-00002');
  });
});

/**
 * Starts the platform the conformance cases run on: a fresh directory with
 * the gateway document, a JWKS file, the fixture service under five names
 * (echo; split and drain with a second revision deployed beside the first;
 * queue, one instance taking one request at a time; cold, starting from zero
 * instances) and once more as an outside backend; tenants, flags and keys,
 * and one real `mlaas up` with the target's `gateway:` keys.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startMlaasUp } from '../e2e/mlaas-process.js';
import type { ConformanceTarget } from './conformance-target.js';
import type { ConformancePlatform, FixtureKey } from './conformance-platform.js';
import { conformanceDocument, JWKS_FILE, JWT_AUDIENCE, JWT_ISSUER, MAX_BODY_BYTES } from './conformance-document.js';
import { writeFixtureService } from './fixture-service.js';
import { startOutsideBackend } from './outside-backend.js';
import { sendRequest } from './gateway-answer.js';

const STATE_DIR = 'state';

/** mlaas.yaml: services kept at one instance at least, so that only `cold` ever starts from zero. */
function mlaasYaml(target: ConformanceTarget): string {
  const gateway = { document: 'api-gateway.yaml', workers: 1, maxBodyBytes: MAX_BODY_BYTES, ...target.gateway };
  const service = (source: string, extra = '') => `    source: ${source}
    command: [node, server.mjs]
    drainTimeoutSeconds: 10
${extra}`;
  const warm = '    scaling: { minInstances: 1 }\n';
  return `gateway: ${JSON.stringify(gateway)}
stateDir: ${STATE_DIR}
services:
  echo:
${service('echo', `${warm}    overridable: [threshold]\n`)}  split:
${service('split-v1', warm)}  drain:
${service('drain-v1', warm)}  queue:
${service('queue', '    scaling: { minInstances: 1, maxInstances: 1, concurrency: 1 }\n')}  lane:
${service('queue', '    scaling: { minInstances: 1, maxInstances: 1, concurrency: 1 }\n')}  cold:
${service('cold', '    scaling: { minInstances: 0, initialInstances: 0 }\n')}tenants:
  acme: { config: { threshold: 0.5, language: en }, attributes: { plan: pro } }
  globex: { config: { threshold: 0.2, language: de }, attributes: { plan: free } }
flags:
  pro-model:
    state: ENABLED
    variants: { on: true, off: false }
    defaultVariant: 'off'
    targeting: { if: [{ '==': [{ var: plan }, pro] }, 'on'] }
  split-route:
    state: ENABLED
    variants: { canary: canary, stable: stable }
    defaultVariant: stable
    targeting: { if: [{ '==': [{ var: plan }, pro] }, canary] }
`;
}

const KEY_ARGS: Readonly<Record<FixtureKey, readonly string[]>> = {
  acme: ['--tenant', 'acme'],
  globex: ['--tenant', 'globex'],
  scoped: ['--tenant', 'acme', '--scope', 'split'],
  tester: ['--tenant', 'globex', '--allow-tags'],
  limited: ['--tenant', 'globex', '--rpm', '3'],
};

export interface RunningConformancePlatform {
  platform: ConformancePlatform;
  stop(): Promise<void>;
}

export async function startConformancePlatform(target: ConformanceTarget): Promise<RunningConformancePlatform> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mlaas-conformance-${target.name}-`));
  const pair = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'conformance-1', alg: 'RS256', use: 'sig' };
  writeFileSync(path.join(dir, JWKS_FILE), JSON.stringify({ keys: [jwk] }));
  const outside = await startOutsideBackend(path.join(dir, 'outside'));
  writeFileSync(path.join(dir, 'api-gateway.yaml'), conformanceDocument(outside.port));
  for (const [folder, version] of [
    ['echo', 'echo'],
    ['split-v1', 'v1'],
    ['split-v2', 'v2'],
    ['drain-v1', 'v1'],
    ['drain-v2', 'v2'],
    ['queue', 'queue'],
    ['cold', 'cold'],
  ] as const) {
    writeFixtureService(path.join(dir, folder), version);
  }
  writeFileSync(path.join(dir, 'mlaas.yaml'), mlaasYaml(target));

  const up = await startMlaasUp(dir, STATE_DIR).catch(async (err: unknown) => {
    await outside.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  try {
    const [keys] = await Promise.all([
      createKeys(up.cliOk),
      up.cliOk(['deploy', 'split', '--source', path.join(dir, 'split-v2'), '--no-traffic', '--tag', 'canary']),
      up.cliOk(['deploy', 'drain', '--source', path.join(dir, 'drain-v2'), '--no-traffic', '--tag', 'next']),
    ]);
    const stateDir = path.join(dir, STATE_DIR);
    const { adminUrl } = JSON.parse(readFileSync(path.join(stateDir, 'endpoint.json'), 'utf8')) as { adminUrl: string };
    const platform: ConformancePlatform = {
      gatewayUrl: up.gatewayUrl,
      adminUrl,
      adminToken: readFileSync(path.join(stateDir, 'admin-token'), 'utf8').trim(),
      cli: up.cli,
      cliOk: up.cliOk,
      keys,
      jwt: (claims) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
          .setIssuer(JWT_ISSUER)
          .setAudience(JWT_AUDIENCE)
          .setExpirationTime('5m')
          .sign(pair.privateKey),
      send: (pathAndQuery, opts) => sendRequest(up.gatewayUrl, pathAndQuery, opts),
    };
    return {
      platform,
      async stop() {
        await Promise.all([up.stop('SIGTERM'), outside.stop()]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all([up.stop('SIGTERM'), outside.stop()]);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${String(err)}\nmlaas up stderr:\n${up.output().stderr}`);
  }
}

async function createKeys(cliOk: (args: readonly string[]) => Promise<string>): Promise<Record<FixtureKey, string>> {
  const names = Object.keys(KEY_ARGS) as FixtureKey[];
  const created = await Promise.all(names.map(async (name) => (await cliOk(['keys', 'create', ...KEY_ARGS[name]])).trim()));
  return Object.fromEntries(names.map((name, i) => [name, created[i] as string])) as Record<FixtureKey, string>;
}

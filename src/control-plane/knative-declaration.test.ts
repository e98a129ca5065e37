/**
 * A Knative Service file as a declaration: that one service (the source
 * resolved against the file's directory), the document served kept, no
 * tenants or flags; refused as a whole, by Knative path, when mlaas cannot
 * take it, when its source is missing or when asked to prune.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GatewayDocument } from '../config/index.js';
import { MlaasError } from '../errors.js';
import type { RevisionRecord } from '../api/index.js';
import { knativeDeclaration, knativeServiceDocument, revisionNameProblems } from './knative-declaration.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-knative-decl-'));
mkdirSync(path.join(dir, 'echo'));
const served: GatewayDocument = { title: 'served', operations: [] };

function file(name: string, source: string, extra = ''): string {
  const at = path.join(dir, name);
  writeFileSync(
    at,
    `apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: echo, annotations: { mlaas.dev/source: ${source} } }
spec:
  template:
    spec:
      containers:
      - image: gcr.io/p/echo:1
        command: [node, server.mjs]
${extra}`,
  );
  return at;
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; errors: string[] }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    return { code: (err as MlaasError).code, errors: ((err as MlaasError).errors ?? []).map((e) => `${e.path}: ${e.message}`) };
  }
  throw new Error('expected a refusal');
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a Knative Service file as a declaration', () => {
  it('declares that one service only, keeping the document served', async () => {
    const at = file('echo.yaml', './echo');
    const loaded = await knativeDeclaration(await knativeServiceDocument(at), at, served, { prune: false });
    expect(loaded.only).toBe('echo');
    expect(Object.keys(loaded.config.services)).toEqual(['echo']);
    expect(loaded.config.services['echo']?.source).toBe(path.join(dir, 'echo'));
    expect(loaded.config.services['echo']?.command).toEqual(['node', 'server.mjs']);
    expect(loaded.gateway).toBe(served);
    expect(loaded.config.tenants).toEqual({});
    expect(loaded.flags).toBeUndefined();
  });

  it('is told apart from mlaas.yaml by its top level', async () => {
    const other = path.join(dir, 'mlaas.yaml');
    writeFileSync(other, 'gateway: { document: api-gateway.yaml }\n');
    expect(await knativeServiceDocument(other)).toBeUndefined();
  });

  it('refuses a missing source, --prune and what mlaas cannot take, all at once, by Knative path', async () => {
    const at = file('bad.yaml', './nosuch', '        workingDir: /app\n');
    expect(await refusal(knativeDeclaration(await knativeServiceDocument(at), at, served, { prune: true }))).toEqual({
      code: 'CONFIG_KNATIVE_SERVICE_INVALID',
      errors: [
        "spec.template.spec.containers[0].workingDir: not supported by mlaas: an instance's working directory is its source (mlaas.dev/source)",
        ': --prune deletes what a file does not declare; a Knative Service declares one service only: apply it without --prune',
      ],
    });
    const missing = file('missing.yaml', './nosuch');
    expect((await refusal(knativeDeclaration(await knativeServiceDocument(missing), missing, served, { prune: false }))).errors).toEqual([
      `metadata.annotations.mlaas.dev/source: expected the service's source directory, found none at ${path.join(dir, 'nosuch')}`,
    ]);
  });
});

describe('a named template (spec.template.metadata.name), as Knative reads it', () => {
  const rev = (number: number, state: RevisionRecord['state'] = 'ready') =>
    ({ name: `echo-${String(number).padStart(5, '0')}`, service: 'echo', number, state }) as RevisionRecord;

  it('is the revision this spec makes next, or the one that runs this spec now', () => {
    expect(revisionNameProblems('echo', 'echo-00001', true, [])).toEqual([]);
    expect(revisionNameProblems('echo', 'echo-00003', true, [rev(1), rev(2)])).toEqual([]);
    expect(revisionNameProblems('echo', 'echo-00002', false, [rev(1), rev(2)])).toEqual([]);
    expect(revisionNameProblems('echo', undefined, true, [rev(1)])).toEqual([]);
  });

  it('refuses any other name by its path instead of making a revision of another name', () => {
    expect(revisionNameProblems('echo', 'echo-00007', true, [rev(1), rev(2)])).toEqual([
      { path: 'spec.template.metadata.name', message: expect.stringMatching(/^expected echo-00003 \(this spec makes a new revision.*got echo-00007/) },
    ]);
    // The spec runs as echo-00002; naming the older revision would not make it run again.
    expect(revisionNameProblems('echo', 'echo-00001', false, [rev(1), rev(2)])).toEqual([
      { path: 'spec.template.metadata.name', message: expect.stringMatching(/^expected echo-00002 \(this spec is that of echo-00002/) },
    ]);
    // A failed revision keeps its number: the next one counts past it.
    expect(revisionNameProblems('echo', 'echo-00002', true, [rev(1), rev(2, 'failed')])[0]?.message).toMatch(/expected echo-00003/);
  });
});

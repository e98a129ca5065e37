import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { explainNpmFailure } from './explain-npm-failure.js';
import { runTool } from './run-tool.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-npm-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('explainNpmFailure', () => {
  it("quotes npm ci's own error lines for a file: dependency missing from the lock file, not its usage text", async () => {
    const dir = fs.mkdtempSync(path.join(root, 'svc-'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'svc', version: '1.0.0', dependencies: { mlaas: 'file:../platform' } }));
    fs.mkdirSync(path.join(root, 'platform'), { recursive: true });
    fs.writeFileSync(path.join(root, 'platform', 'package.json'), JSON.stringify({ name: 'mlaas', version: '0.1.0' }));
    fs.writeFileSync(
      path.join(dir, 'package-lock.json'),
      JSON.stringify({ name: 'svc', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'svc', version: '1.0.0' } } }),
    );
    const failure = await runTool({
      what: 'npm ci',
      command: 'npm',
      args: ['ci', '--no-audit', '--no-fund'],
      cwd: dir,
      env: { ...process.env, npm_config_update_notifier: 'false' },
      explain: (output) => explainNpmFailure('npm ci', output),
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(MlaasError);
    const detail = (failure as MlaasError).message;
    expect(detail).toMatch(/^npm ci failed:\n/);
    expect(detail).toMatch(/Missing: mlaas@0\.1\.0 from lock file/);
    expect(detail.match(/Missing: mlaas/g)).toHaveLength(1);
    expect(detail).not.toMatch(/Usage:|--install-strategy|Clean install a project/);
  });

  it("reads the error lines from npm's debug log when its output has none", () => {
    const log = path.join(root, 'debug-0.log');
    fs.writeFileSync(log, '0 verbose cli /usr/bin/node\n12 error Missing: mlaas@0.1.0 from lock file\n13 verbose exit 1\n');
    const output = `npm error code EUSAGE\nnpm error A complete log of this run can be found in: ${log}\n`;
    expect(explainNpmFailure('npm ci', output)).toBe(`npm ci failed:\nMissing: mlaas@0.1.0 from lock file\n(npm's log: ${log})`);
  });

  it('leaves a failure without npm error lines to the generic tail', () => {
    expect(explainNpmFailure('npm ci', 'sh: 1: npm: not found\n')).toBeUndefined();
  });
});

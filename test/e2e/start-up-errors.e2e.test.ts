/**
 * Black-box: `mlaas up` (the real binary, built into dist/) on a mlaas.yaml it
 * cannot start from ends with one problem-style line — what is wrong, where in
 * mlaas.yaml, the stable code — and exit 1: no stack trace, no child process
 * left running, and nothing written that a later start or CLI would trust.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A project with one Node service and the given `models.seed` entry for model `spam`. */
function project(seedFile: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-'));
  dirs.push(dir);
  writeNodeService(path.join(dir, 'echo'), `  res.end('echo');`);
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/echo', address: 'mlaas://echo/echo' }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
models:
  seed: { spam: { file: ${seedFile}, alias: production } }
services:
  echo:
    source: echo
    command: [node, server.mjs]
    scaling: { minInstances: 1 }
`,
  );
  return dir;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function up(dir: string, args: readonly string[] = ['--port', '0', '--admin-port', '0']): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'up', '-f', 'mlaas.yaml', ...args], { cwd: dir, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

/** Processes whose environment marks them as instances of this state dir (what `up` reaps). */
function instancesOf(stateDir: string): number[] {
  const mark = `MLAAS_OWNER=${stateDir}`;
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(mark);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function expectOneErrorLine(exit: Exit, line: RegExp): void {
  expect(exit.code).toBe(1);
  const errors = exit.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(line);
  expect(exit.stderr).not.toMatch(/sonic boom/i);
  expect(exit.stderr).not.toMatch(/^\s+at /m);
  expect(exit.stdout).not.toContain('mlaas is up');
}

describe('mlaas up on a mlaas.yaml it cannot start from', () => {
  it.each([
    ['a seed file that does not exist', (dir: string) => path.join(dir, 'nowhere.onnx'), /^error: models\.seed\.spam\.file: .*nowhere\.onnx: no such file \[MODEL_INVALID\]$/],
    [
      'a seed file that is not an ONNX model',
      (dir: string) => {
        writeFileSync(path.join(dir, 'garbage.onnx'), 'not a model');
        return path.join(dir, 'garbage.onnx');
      },
      /^error: models\.seed\.spam\.file: .*garbage\.onnx.* \[MODEL_INVALID\]$/,
    ],
    [
      'a seed file that is a directory',
      (dir: string) => {
        mkdirSync(path.join(dir, 'folder.onnx'));
        return path.join(dir, 'folder.onnx');
      },
      /^error: models\.seed\.spam\.file: .*folder\.onnx: expected a model file.* \[MODEL_INVALID\]$/,
    ],
  ])('prints one error line naming models.seed for %s, and writes no state and no model', async (_, seedFile, line) => {
    const dir = project('PLACEHOLDER');
    const yaml = path.join(dir, 'mlaas.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('PLACEHOLDER', seedFile(dir)));
    const exit = await up(dir);
    expectOneErrorLine(exit, line);
    const stateDir = path.join(dir, 'state');
    expect(instancesOf(stateDir)).toEqual([]);
    const files = filesUnder(stateDir);
    expect(files.filter((f) => !f.startsWith('logs/'))).not.toContainEqual(expect.stringMatching(/^(state\.db|endpoint\.json|models\/)/));
    // The failure is in the platform's log too, written out before the exit.
    expect(readFileSync(path.join(stateDir, 'logs', 'mlaas.log'), 'utf8')).toMatch(/"msg":"start-up failed"/);
  });

  it('prints one error line naming the port when the admin port is taken, and leaves no instance and no endpoint file', async () => {
    const dir = project('unused.onnx');
    const yaml = path.join(dir, 'mlaas.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/models:\n.*\n/, ''));
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const exit = await up(dir, ['--port', '0', '--admin-port', String(port)]);
      expectOneErrorLine(exit, new RegExp(`^error: controlPlane\\.port: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use; choose another port with controlPlane\\.port in mlaas\\.yaml or \`mlaas up --admin-port\` \\[CONFIG_PORT_UNAVAILABLE\\]$`));
    } finally {
      blocker.close();
    }
    const stateDir = path.join(dir, 'state');
    expect(instancesOf(stateDir)).toEqual([]);
    expect(existsSync(path.join(stateDir, 'endpoint.json'))).toBe(false);
    expect(readFileSync(path.join(stateDir, 'logs', 'mlaas.log'), 'utf8')).toMatch(/"msg":"start-up failed"/);
  });
});

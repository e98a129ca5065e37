/**
 * Runs the real `mlaas` binary for black-box tests: `mlaas up` as a child
 * process on free ports (its printed summary parsed for the gateway URL and
 * demo key), and one-shot CLI commands against it.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './spam-model.js';

export const BIN = path.join(REPO, 'bin', 'mlaas.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MlaasUp {
  child: ChildProcessWithoutNullStreams;
  gatewayUrl: string;
  demoKey: string;
  output(): { stdout: string; stderr: string };
  /** Runs `mlaas ARGS` against this platform's state dir. */
  cli(args: readonly string[]): Promise<CliResult>;
  /** Like `cli`, for a command that must succeed: answers its stdout, or throws with its stderr. */
  cliOk(args: readonly string[]): Promise<string>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `mlaas up -f mlaas.yaml` in `dir`, whose mlaas.yaml keeps its state in `dir/stateDir`;
 * `env` adds to the platform's environment (credentials of an S3 model store); the gateway listens on `gatewayPort` (0: any);
 * `upArgs` go after the others (`--no-watch`).
 */
export async function startMlaasUp(
  dir: string,
  stateDir: string,
  timeoutMs = 120_000,
  env: Record<string, string> = {},
  gatewayPort = 0,
  upArgs: readonly string[] = [],
): Promise<MlaasUp> {
  const args = [BIN, 'up', '-f', 'mlaas.yaml', '--port', String(gatewayPort), '--admin-port', '0', ...upArgs];
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!stdout.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mlaas up did not start (exit ${child.exitCode})\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const cliEnv = { ...process.env, MLAAS_STATE_DIR: path.join(dir, stateDir) };
  const cli = (args: readonly string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { cwd: dir, env: cliEnv }, (err, out, errOut) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout: out, stderr: errOut });
      });
    });
  return {
    child,
    gatewayUrl: /gateway\s+(http:\/\/\S+)/.exec(stdout)?.[1] ?? '',
    demoKey: /demo key\s+(mlk_\S+)/.exec(stdout)?.[1] ?? '',
    output: () => ({ stdout, stderr }),
    cli,
    async cliOk(args) {
      const r = await cli(args);
      if (r.code !== 0) throw new Error(`mlaas ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
      return r.stdout;
    },
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      return exited;
    },
  };
}

/** True while the process runs; a zombie (exited, not yet reaped by its new parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `probe` until `ok` holds for its answer, which it returns; throws with the last answer after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, pauseMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, pauseMs));
    last = await probe();
  }
  return last;
}

export interface MlaasGateway {
  child: ChildProcessWithoutNullStreams;
  gatewayUrl: string;
  healthUrl: string;
  output(): { stdout: string; stderr: string };
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `mlaas gateway -f mlaas.yaml --port 0` in `dir`, next to a running `mlaas up` on the same state dir. */
export async function startMlaasGateway(dir: string, timeoutMs = 30_000): Promise<MlaasGateway> {
  const child = spawn(process.execPath, [BIN, 'gateway', '-f', 'mlaas.yaml', '--port', '0'], { cwd: dir, env: process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!stdout.includes('Ctrl-C stops it.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mlaas gateway did not start (exit ${child.exitCode})\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    gatewayUrl: /gateway\s+(http:\/\/\S+)/.exec(stdout)?.[1] ?? '',
    healthUrl: /health\s+(http:\/\/\S+)/.exec(stdout)?.[1] ?? '',
    output: () => ({ stdout, stderr }),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      return exited;
    },
  };
}

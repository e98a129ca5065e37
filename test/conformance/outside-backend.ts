/**
 * The fixture service run as an outside backend: a plain child process on a
 * free loopback port, not a platform service, for the document's `http://`
 * address. Ready once its /healthz answers.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/runtime/free-port.js';
import { waitUntil } from '../e2e/mlaas-process.js';
import { writeFixtureService } from './fixture-service.js';

export interface OutsideBackend {
  port: number;
  stop(): Promise<void>;
}

export async function startOutsideBackend(dir: string): Promise<OutsideBackend> {
  writeFixtureService(dir, 'outside');
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(dir, 'server.mjs')], { env: { PATH: process.env['PATH'] ?? '', PORT: String(port) }, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntil(
      'the outside backend',
      () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0),
      (status) => status === 200 || child.exitCode !== null,
      10_000,
      50,
    );
    if (child.exitCode !== null) throw new Error(`the outside backend exited with code ${child.exitCode}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}

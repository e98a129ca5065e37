/**
 * The process's JSON logger (pino). `mlaas up` writes it to
 * `<stateDir>/logs/mlaas.log`, keeping the terminal for the human summary.
 */
import { chmodSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export function createFileLogger(file: string, level = process.env['MLAAS_LOG_LEVEL'] ?? 'info'): Logger {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Opened here, synchronously: given a path, SonicBoom opens it later, and a process that exits
  // before then (a start-up error) crashes in pino's exit flush with "sonic boom is not ready yet".
  const fd = openSync(file, 'a', 0o600);
  // Owner-only, as everything in the state dir, also when an older mlaas made it 0644.
  chmodSync(file, 0o600);
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd, sync: false }));
}

/**
 * The process's JSON logger (pino). `mlaas up` writes it to
 * `<stateDir>/logs/mlaas.log`, keeping the terminal for the human summary.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export function createFileLogger(file: string, level = process.env['MLAAS_LOG_LEVEL'] ?? 'info'): Logger {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Owner-only, as everything in the state dir: created so before pino opens it, tightened if an older mlaas made it 0644.
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: file, append: true, sync: false, mkdir: true }));
}

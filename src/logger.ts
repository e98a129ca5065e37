/**
 * The process's JSON logger (pino). `mlaas up` writes it to
 * `<stateDir>/logs/mlaas.log`, keeping the terminal for the human summary.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export function createFileLogger(file: string, level = process.env['MLAAS_LOG_LEVEL'] ?? 'info'): Logger {
  mkdirSync(path.dirname(file), { recursive: true });
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: file, append: true, sync: false, mkdir: true }));
}

/**
 * The service's own log: one JSON line per record on stderr, where the
 * runtime collects it, in the platform's format (pino's: `level` as a
 * number, `time` in ms since the epoch, `pid`, `msg`), so instance logs and
 * mlaas's read alike. Answers never carry what is logged here.
 */

export type LogLine = (fields: Record<string, unknown>) => void;

/** pino's level numbers. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export function logToStderr(fields: Record<string, unknown>): void {
  const { level, ...rest } = fields;
  const number = typeof level === 'number' ? level : (LEVELS[String(level)] ?? LEVELS['info']);
  process.stderr.write(`${JSON.stringify({ level: number, time: Date.now(), pid: process.pid, ...rest })}\n`);
}

/** An error as log fields, stack included. */
export function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
}

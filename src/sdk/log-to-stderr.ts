/**
 * The service's own log: one JSON line per record on stderr, where the
 * runtime collects it. Answers never carry what is logged here.
 */

export type LogLine = (fields: Record<string, unknown>) => void;

export function logToStderr(fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}

/** An error as log fields, stack included. */
export function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
}

/**
 * How a failed command ends: the error's detail and every field issue on
 * stderr, exit code 1 — never a stack trace for an expected error.
 */
import { formatIssues, MlaasError } from '../errors.js';

export function reportAndExit(err: unknown): never {
  if (err instanceof MlaasError) {
    process.stderr.write(`error: ${err.message} [${err.code}]\n`);
    if (err.errors !== undefined && err.errors.length > 0) process.stderr.write(`${formatIssues(err.errors)}\n`);
  } else if (err instanceof Error) {
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env['MLAAS_DEBUG'] !== undefined) process.stderr.write(`${err.stack ?? ''}\n`);
  } else {
    process.stderr.write(`error: ${String(err)}\n`);
  }
  process.exit(1);
}

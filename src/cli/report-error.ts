/**
 * How a failed command ends: a usage error with one line and a hint at the
 * command's help, exit code 2; any other error with its detail and every
 * field issue on stderr, exit code 1 — never a stack trace for an expected error.
 */
import { CommanderError, type Command } from 'commander';
import { formatIssues, MlaasError } from '../errors.js';
import { exitCodeOf, USAGE_EXIT_CODE, usageHint, UsageError } from './usage-error.js';

/** `command` is the one whose action ran, for the hint of a usage error it found. */
export function reportAndExit(err: unknown, command: Command): never {
  if (err instanceof CommanderError) {
    // Commander has written the message (and the hint) already.
    process.exit(exitCodeOf(err));
  }
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n${usageHint(command)}\n`);
    process.exit(USAGE_EXIT_CODE);
  }
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

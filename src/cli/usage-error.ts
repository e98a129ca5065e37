/**
 * Usage errors, as gcloud and kubectl report them: one line saying what is
 * wrong and one pointing at the command's help, exit code 2 — never the whole
 * help. Commander finds most of them (unknown option or command, missing
 * argument, a flag value its parser refuses); a command's action throws
 * `UsageError` for what only it can check (`--burst needs --rpm`).
 */
import { InvalidArgumentError, type Command, type CommanderError } from 'commander';

/** Exit code of a usage error; 1 stays for everything else. */
export const USAGE_EXIT_CODE = 2;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `mlaas keys create`, from a command and its parents. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function usageHint(cmd: Command): string {
  return `run \`${commandPath(cmd)} --help\` for usage`;
}

/**
 * Makes `cmd` and every command under it report usage errors in one line plus
 * the hint and throw instead of exiting, so that `exitCodeOf` decides the code.
 * Call it once, after every command is added (settings do not reach commands
 * added with `addCommand`).
 */
export function configureUsageErrors(cmd: Command): void {
  cmd.exitOverride().showHelpAfterError(usageHint(cmd));
  for (const sub of cmd.commands) configureUsageErrors(sub);
}

/**
 * The exit code for an error commander threw: 0 for `--help` and
 * `--version`, 2 for the rest (a usage error, or a command group called
 * without its subcommand, which shows the group's help).
 */
export function exitCodeOf(err: CommanderError): number {
  return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : USAGE_EXIT_CODE;
}

/**
 * An option parser for an integer; commander reports anything else as
 * `option '--rpm <n>' argument 'x' is invalid. expected an integer.` The
 * platform checks the range, and its answer names the flag (`flag-names.ts`).
 *
 * @example
 * cmd.option('--rpm <n>', 'requests per minute', integerValue)
 */
export function integerValue(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected an integer.');
  return Number(value);
}

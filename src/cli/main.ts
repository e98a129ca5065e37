/**
 * The `mlaas` command line, in the style of gcloud/kubectl: one file per
 * command, each only parsing and printing; the work happens in the platform
 * or behind the admin API.
 */
import type { Command } from 'commander';
import { reportAndExit } from './report-error.js';
import { cliProgram } from './cli-program.js';
import { configureUsageErrors } from './usage-error.js';

const program = await cliProgram(process.argv.slice(2));

// `mlaas services list | head -1`: a reader that stops early is not an error, as for any Unix tool.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

configureUsageErrors(program);
let running: Command = program;
program.hook('preAction', (_program, action) => {
  running = action;
});
program.parseAsync(process.argv).catch((err: unknown) => reportAndExit(err, running));

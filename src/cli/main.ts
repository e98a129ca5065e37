/**
 * The `mlaas` command line, in the style of gcloud/kubectl: one file per
 * command, each only parsing and printing; the work happens in the platform
 * or behind the admin API.
 */
import { Command } from 'commander';
import { reportAndExit } from './report-error.js';
import { configureUsageErrors } from './usage-error.js';

/**
 * Each command's module, by the name a user types, in the order `--help` lists
 * them. Only the named command's module is loaded: the others bring the
 * config loader, the artifact builder, the S3 client or the export renderer,
 * whose loading would double the start-up of every call. `--help` and
 * anything unknown load them all, so commander lists or refuses as usual;
 * `--version` loads none.
 */
const COMMANDS: ReadonlyArray<[string, () => Promise<Command>]> = [
  ['init', async () => (await import('./init-command.js')).initCommand()],
  ['up', async () => (await import('./up-command.js')).upCommand()],
  ['keys', async () => (await import('./keys-command.js')).keysCommand()],
  ['tenants', async () => (await import('./tenants-command.js')).tenantsCommand()],
  ['flags', async () => (await import('./flags-command.js')).flagsCommand()],
  ['status', async () => (await import('./status-command.js')).statusCommand()],
  ['deploy', async () => (await import('./deploy-command.js')).deployCommand()],
  ['services', async () => (await import('./services-command.js')).servicesCommand()],
  ['revisions', async () => (await import('./revisions-command.js')).revisionsCommand()],
  ['traffic', async () => (await import('./traffic-command.js')).trafficCommand()],
  ['rollback', async () => (await import('./traffic-command.js')).rollbackCommand()],
  ['models', async () => (await import('./models-command.js')).modelsCommand()],
  ['reload', async () => (await import('./reload-command.js')).reloadCommand()],
  ['plan', async () => (await import('./plan-command.js')).planCommand()],
  ['apply', async () => (await import('./apply-command.js')).applyCommand()],
  ['export', async () => (await import('./export-command.js')).exportCommand()],
  ['logs', async () => (await import('./logs-command.js')).logsCommand()],
  ['audit', async () => (await import('./audit-command.js')).auditCommand()],
];

const program = new Command('mlaas')
  .description('Serve machine-learning models as stateless, multi-tenant HTTP microservices behind one gateway')
  .version('0.1.0')
  // Lets a command with subcommands (revisions) take flags of its own: a flag after a subcommand's name is that subcommand's.
  .enablePositionalOptions();

const args = process.argv.slice(2);
const named = args.find((arg) => !arg.startsWith('-'));
const wanted = COMMANDS.filter(([name]) => name === named);
const versionOnly = named === undefined && args.some((arg) => arg === '--version' || arg === '-V');
for (const command of await Promise.all((wanted.length > 0 ? wanted : versionOnly ? [] : COMMANDS).map(([, load]) => load()))) {
  program.addCommand(command);
}

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

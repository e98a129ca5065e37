/**
 * The `mlaas` command line as one commander program: every command, each
 * from its own file. The binary parses argv with it (main.ts); a test reads
 * each command's help from it.
 */
import { Command } from 'commander';

/**
 * Each command's module, by the name a user types, in the order `--help` lists
 * them. Only the named command's module is loaded: the others bring the
 * config loader, the artifact builder, the S3 client or the export renderer,
 * whose loading would double the start-up of every call.
 */
const COMMANDS: ReadonlyArray<[string, () => Promise<Command>]> = [
  ['init', async () => (await import('./init-command.js')).initCommand()],
  ['up', async () => (await import('./up-command.js')).upCommand()],
  ['gateway', async () => (await import('./gateway-command.js')).gatewayCommand()],
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

/**
 * The `mlaas` program, not yet parsing anything. Given the arguments it will
 * parse, it holds only the command they name; with none, `--help` or an unknown
 * name it holds every command (so commander lists or refuses as usual), and
 * none for a bare `--version`.
 */
export async function cliProgram(args?: readonly string[]): Promise<Command> {
  const program = new Command('mlaas')
    .description('Serve machine-learning models as stateless, multi-tenant HTTP microservices behind one gateway')
    .version('0.1.0')
    // Lets a command with subcommands (revisions) take flags of its own: a flag after a subcommand's name is that subcommand's.
    .enablePositionalOptions();
  const named = args?.find((arg) => !arg.startsWith('-'));
  const wanted = COMMANDS.filter(([name]) => name === named);
  const versionOnly = args !== undefined && named === undefined && args.some((arg) => arg === '--version' || arg === '-V');
  const chosen = wanted.length > 0 ? wanted : versionOnly ? [] : COMMANDS;
  for (const command of await Promise.all(chosen.map(([, load]) => load()))) program.addCommand(command);
  return program;
}

/**
 * The `mlaas` command line, in the style of gcloud/kubectl: one file per
 * command, each only parsing and printing; the work happens in the platform
 * or behind the admin API.
 */
import { Command } from 'commander';
import { applyCommand } from './apply-command.js';
import { deployCommand } from './deploy-command.js';
import { exportCommand } from './export-command.js';
import { flagsCommand } from './flags-command.js';
import { gatewayCommand } from './gateway-command.js';
import { initCommand } from './init-command.js';
import { keysCommand } from './keys-command.js';
import { logsCommand } from './logs-command.js';
import { auditCommand } from './audit-command.js';
import { modelsCommand } from './models-command.js';
import { planCommand } from './plan-command.js';
import { reloadCommand } from './reload-command.js';
import { reportAndExit } from './report-error.js';
import { revisionsCommand } from './revisions-command.js';
import { servicesCommand } from './services-command.js';
import { statusCommand } from './status-command.js';
import { tenantsCommand } from './tenants-command.js';
import { rollbackCommand, trafficCommand } from './traffic-command.js';
import { upCommand } from './up-command.js';
import { configureUsageErrors } from './usage-error.js';

const program = new Command('mlaas')
  .description('Serve machine-learning models as stateless, multi-tenant HTTP microservices behind one gateway')
  .version('0.1.0')
  // Lets a command with subcommands (revisions) take flags of its own: a flag after a subcommand's name is that subcommand's.
  .enablePositionalOptions();

program.addCommand(initCommand());
program.addCommand(upCommand());
program.addCommand(gatewayCommand());
program.addCommand(keysCommand());
program.addCommand(tenantsCommand());
program.addCommand(flagsCommand());
program.addCommand(statusCommand());
program.addCommand(deployCommand());
program.addCommand(servicesCommand());
program.addCommand(revisionsCommand());
program.addCommand(trafficCommand());
program.addCommand(rollbackCommand());
program.addCommand(modelsCommand());
program.addCommand(reloadCommand());
program.addCommand(planCommand());
program.addCommand(applyCommand());
program.addCommand(exportCommand());
program.addCommand(logsCommand());
program.addCommand(auditCommand());

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

/**
 * The `mlaas` command line as one commander program: every command, each
 * from its own file. The binary parses argv with it (main.ts); a test reads
 * each command's help from it.
 */
import { Command } from 'commander';
import { applyCommand } from './apply-command.js';
import { deployCommand } from './deploy-command.js';
import { exportCommand } from './export-command.js';
import { flagsCommand } from './flags-command.js';
import { initCommand } from './init-command.js';
import { keysCommand } from './keys-command.js';
import { logsCommand } from './logs-command.js';
import { auditCommand } from './audit-command.js';
import { modelsCommand } from './models-command.js';
import { planCommand } from './plan-command.js';
import { reloadCommand } from './reload-command.js';
import { revisionsCommand } from './revisions-command.js';
import { servicesCommand } from './services-command.js';
import { statusCommand } from './status-command.js';
import { tenantsCommand } from './tenants-command.js';
import { rollbackCommand, trafficCommand } from './traffic-command.js';
import { upCommand } from './up-command.js';

/** The `mlaas` program with every command, not yet parsing anything. */
export function cliProgram(): Command {
  const program = new Command('mlaas')
    .description('Serve machine-learning models as stateless, multi-tenant HTTP microservices behind one gateway')
    .version('0.1.0')
    // Lets a command with subcommands (revisions) take flags of its own: a flag after a subcommand's name is that subcommand's.
    .enablePositionalOptions();

  program.addCommand(initCommand());
  program.addCommand(upCommand());
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
  return program;
}

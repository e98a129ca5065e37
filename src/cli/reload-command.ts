/**
 * `mlaas reload`: makes the running platform read its gateway document and
 * mlaas.yaml's tenants and flags again (as SIGHUP or the file watch does),
 * and prints what changed. An invalid file: every error by path on stderr,
 * exit 1, and the running configuration keeps serving.
 */
import { Command } from 'commander';
import type { ReloadReport } from '../control-plane/reload-report.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';
import { reloadSummary } from './reload-summary.js';

export function reloadCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('reload')))
    .description('apply changes of the gateway document and of mlaas.yaml’s tenants and flags without a restart')
    .action(async (opts: AdminFlags & { output: OutputFormat }) => {
      const report = await callAdmin<ReloadReport>(adminTarget(opts), 'POST', '/v1/reload');
      if (printStructured(report, opts.output)) return;
      process.stdout.write(`${reloadSummary(report).join('\n')}\n`);
    });
}

/**
 * `mlaas plan [-f mlaas.yaml]`: what `mlaas apply` would change to make the
 * running platform match the files (mlaas.yaml and its gateway document, or
 * one Knative Service YAML: that service only), field by field. The platform loads the files and computes the plan; with
 * `--detailed-exitcode`, the exit code says whether there are changes, as
 * Terraform's: 0 none, 1 error, 2 changes.
 */
import { Command } from 'commander';
import path from 'node:path';
import type { PlanAnswer } from '../control-plane/config-applier.js';
import { fileVariables } from '../config/file-variables.js';
import { knativeServiceDocument } from '../control-plane/knative-declaration.js';
import { pendingChanges } from '../control-plane/plan-changes.js';
import { adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';
import { leftLine, planLines, planSummary, reloadedLine, unroutedLines } from './plan-output.js';

interface PlanFlags extends AdminFlags {
  file: string;
  prune?: boolean;
  detailedExitcode?: boolean;
  output: OutputFormat;
}

export function planCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('plan')))
    .description('show what `mlaas apply` would change: the files against the running platform')
    .option('-f, --file <path>', 'the mlaas.yaml to plan, or a Knative Service YAML (that one service only)', 'mlaas.yaml')
    .option('--prune', 'plan to delete what the files no longer declare')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .action(async (flags: PlanFlags) => {
      const plan = await callAdmin<PlanAnswer>(adminTarget(flags), 'POST', '/v1/plan', await planRequest(flags.file, flags.prune === true));
      if (!printStructured(plan, flags.output)) printPlan(plan);
      if (flags.detailedExitcode === true && pendingChanges(plan.changes).length > 0) process.exitCode = 2;
    });
}

/**
 * What plan and apply send: the files by absolute path, and the values this shell gives the `${VAR}`s they use
 * (none for a Knative Service file, which is taken as written).
 */
export async function planRequest(file: string, prune: boolean): Promise<{ configPath: string; variables: Record<string, string>; prune: boolean }> {
  const knative = (await knativeServiceDocument(file)) !== undefined;
  return { configPath: path.resolve(file), variables: knative ? {} : await fileVariables(file), prune };
}

export function printPlan(plan: PlanAnswer): void {
  const lines = [...planLines(plan.changes), planSummary(plan.changes)];
  const left = leftLine(plan.changes);
  if (left !== undefined) lines.push(left);
  const reloaded = reloadedLine(plan.reloaded);
  if (reloaded !== undefined) lines.push(reloaded);
  lines.push(...unroutedLines(plan.unrouted));
  process.stdout.write(`${lines.join('\n')}\n`);
}

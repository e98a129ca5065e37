/**
 * `mlaas apply [-f mlaas.yaml] [--prune] [--yes]`: shows the plan, asks
 * (on a terminal; elsewhere `--yes` is required, as Terraform's
 * -auto-approve), then makes the platform match the files, printing each
 * step as it happens. A second apply of the same files changes nothing.
 * A Knative Service YAML upserts that one service and leaves the rest.
 * Exit 1 when any resource could not be changed.
 */
import { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import type { ApplyAnswer, PlanAnswer } from '../control-plane/config-applier.js';
import { pendingChanges, resourceOf } from '../control-plane/plan-changes.js';
import { adminFetch, adminTarget, callAdmin, withAdminFlags, type AdminFlags } from './admin-client.js';
import { PROGRESS_HEADERS, readAdminEvents } from './admin-events.js';
import { planRequest, printPlan } from './plan-command.js';
import { printStructured, withOutputFlag, type OutputFormat } from './output-format.js';
import { leftLine, unroutedLines } from './plan-output.js';

interface ApplyFlags extends AdminFlags {
  file: string;
  prune?: boolean;
  yes?: boolean;
  output: OutputFormat;
}

export function applyCommand(): Command {
  return withOutputFlag(withAdminFlags(new Command('apply')))
    .description('make the running platform match the files: deploy, traffic, tenants, flags, routes')
    .option('-f, --file <path>', 'the mlaas.yaml to apply, or a Knative Service YAML (upserts that one service, as gcloud run services replace)', 'mlaas.yaml')
    .option('--prune', 'delete what the files no longer declare (services stop, tenants go with their keys)')
    .option('-y, --yes', 'apply without asking (required when not on a terminal)')
    .action(async (flags: ApplyFlags) => {
      const target = adminTarget(flags);
      const request = await planRequest(flags.file, flags.prune === true);
      const plan = await callAdmin<PlanAnswer>(target, 'POST', '/v1/plan', request);
      const structured = flags.output !== 'table';
      if (!structured) printPlan(plan);
      const pending = pendingChanges(plan.changes).length > 0;
      // With nothing to change but what reloads applied, the apply only records that the platform matches the files.
      if (!pending && plan.reloaded.length === 0) {
        if (structured) printStructured({ ...plan, applied: [], failed: [] }, flags.output);
        return;
      }
      if (pending && flags.yes !== true && !(await confirmed())) return;
      const res = await adminFetch(target, '/v1/apply', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...PROGRESS_HEADERS },
        body: JSON.stringify(request),
      });
      const result = await readAdminEvents<ApplyAnswer>(res, (event) => {
        if (typeof event['step'] === 'string') process.stderr.write(`  ${event['step']}${typeof event['detail'] === 'string' ? `: ${event['detail']}` : ''}\n`);
      });
      if (!printStructured(result, flags.output)) printResult(result);
      if (result.failed.length > 0) process.exitCode = 1;
    });
}

/** Terraform's question: only `yes` goes on. Not on a terminal, there is nobody to ask. */
async function confirmed(): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new Error('not applying: stdin is not a terminal, so nobody can confirm; pass --yes to apply without asking');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question('Apply these changes? Only "yes" applies: ');
  rl.close();
  if (answer.trim() === 'yes') return true;
  process.stderr.write('Apply cancelled: nothing changed.\n');
  return false;
}

function printResult(result: ApplyAnswer): void {
  const count = (action: string) => result.applied.filter((c) => c.action === action).length;
  const lines = [`Apply complete: ${count('create')} created, ${count('update')} updated, ${count('delete')} deleted.`];
  for (const f of result.failed) lines.push(`failed: ${resourceOf(f)}: ${f.error}`);
  const left = leftLine(result.changes);
  if (left !== undefined) lines.push(left);
  lines.push(...unroutedLines(result.unrouted));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * How a reload's report reads in a terminal, for `mlaas reload` and for the
 * lines `mlaas up` prints when a file watch or SIGHUP reloaded.
 */
import type { ReloadReport } from '../control-plane/reload-report.js';

/** One line of what switched (`+` added, `-` removed, `~` changed), then one per change not applied. */
export function reloadSummary(report: ReloadReport): string[] {
  const parts: string[] = [];
  const { added, removed, changed } = report.operations;
  const operations = [...added.map((o) => `+ ${o}`), ...removed.map((o) => `- ${o}`), ...changed.map((o) => `~ ${o}`)];
  if (operations.length > 0) parts.push(`routes ${operations.join(', ')}`);
  else if (report.gatewayDocument) parts.push('gateway document (no route changed)');
  if (report.tenants.length > 0) parts.push(`tenants ${report.tenants.join(', ')}`);
  if (report.flags.length > 0) parts.push(`flags ${report.flags.join(', ')}`);
  if (report.demoKeys.length > 0) parts.push(`demo keys of ${report.demoKeys.join(', ')} in <stateDir>/demo-keys/`);
  const lines = [parts.length > 0 ? `reloaded: ${parts.join('; ')}` : 'reloaded: nothing changed'];
  for (const issue of report.notApplied) lines.push(`  not applied: ${issue.path}: ${issue.message}`);
  return lines;
}

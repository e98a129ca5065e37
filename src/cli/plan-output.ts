/**
 * How `mlaas plan` and `mlaas apply` print a plan: Terraform's marks
 * (`+` create, `~` update, `-` delete) with one `path: old → new` line per
 * changed field, then a count, what is left undeclared, and services no
 * route reaches.
 */
import { resourceOf, type Change } from '../control-plane/plan-changes.js';
import { unroutedMessage } from '../control-plane/unrouted-services.js';

const MARK: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', leave: ' ' };

export function planLines(changes: readonly Change[]): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    if (c.action === 'leave') continue;
    lines.push(`${MARK[c.action]} ${resourceOf(c)}${c.note === undefined ? '' : ` (${c.note})`}`);
    for (const f of c.fields ?? []) lines.push(`    ${f.path === '' ? '(whole)' : f.path}: ${show(f.old)} → ${show(f.new)}`);
  }
  return lines;
}

export function planSummary(changes: readonly Change[]): string {
  const count = (action: Change['action']) => changes.filter((c) => c.action === action).length;
  if (count('create') + count('update') + count('delete') === 0) return 'No changes: the platform matches the files.';
  return `Plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete.`;
}

export function leftLine(changes: readonly Change[]): string | undefined {
  const left = changes.filter((c) => c.action === 'leave').map(resourceOf);
  return left.length === 0 ? undefined : `left (not declared, use --prune to delete): ${left.join(', ')}`;
}

/** What a plan shows no change for because a reload already applied it (the file watch is on by default). */
export function reloadedLine(reloaded: readonly string[] | undefined): string | undefined {
  if (reloaded === undefined || reloaded.length === 0) return undefined;
  return `applied live by a reload since the last apply (file watch, mlaas reload, SIGHUP): ${reloaded.join(', ')}`;
}

export function unroutedLines(unrouted: readonly string[]): string[] {
  return unrouted.map((s) => `warning: ${unroutedMessage(s)}`);
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

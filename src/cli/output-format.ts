/**
 * Printing results: `--output json` for machines, aligned columns for people.
 */
import type { Command } from 'commander';

export type OutputFormat = 'table' | 'json';

export function withOutputFlag(cmd: Command): Command {
  return cmd.option('-o, --output <format>', 'table or json', 'table');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows under upper-case headers, each column as wide as its widest cell. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  process.stdout.write(`${[line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n')}\n`);
}

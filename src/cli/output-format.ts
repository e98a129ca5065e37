/**
 * Printing results: `-o json` or `-o yaml` for machines (the same data
 * either way), aligned columns for people. Every command that prints a
 * resource takes the flag through `withOutputFlag`; an unknown format is a
 * usage error (exit 2), reported by commander before the command runs.
 */
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Adds `-o, --output table|json|yaml`; `table` unless the command prints a document people edit (`flags get`). */
export function withOutputFlag(cmd: Command, byDefault: OutputFormat = 'table'): Command {
  return cmd.addOption(new Option('-o, --output <format>', 'table, json or yaml').choices(OUTPUT_FORMATS).default(byDefault));
}

/**
 * Prints `value` as JSON or YAML and answers true; answers false for `table`,
 * which the command prints its own way.
 *
 * @example
 * if (printStructured(items, flags.output)) return;
 * printTable(['name'], items.map((i) => [i.name]));
 */
export function printStructured(value: unknown, format: OutputFormat): boolean {
  if (format === 'json') printJson(value);
  else if (format === 'yaml') process.stdout.write(stringify(value ?? null));
  return format !== 'table';
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

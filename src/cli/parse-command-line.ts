/**
 * `--command "node -e 'console.log(1)'"` and `--args …` read with a shell's
 * quoting rules (single and double quotes, backslashes), as gcloud's users
 * type them. No shell runs the result: an operator (`|`, `>`, `&&`, …) or a
 * glob is refused rather than passed on as a literal argument, and `$VAR`
 * stays as written (an instance's own variables are not known here).
 */
import { parse } from 'shell-quote';
import { UsageError } from './usage-error.js';

export function parseCommandLine(flag: string, line: string): string[] {
  const words: string[] = [];
  for (const entry of parse(line, (name) => `$${name}`)) {
    if (typeof entry === 'string') words.push(entry);
    else if ('op' in entry && entry.op === 'glob') throw new UsageError(`${flag}: no shell expands ${entry.pattern}: give the file names`);
    else if ('op' in entry) throw new UsageError(`${flag}: expected a command and its arguments, got the shell operator ${entry.op} (no shell runs the command; use sh -c '…' for one)`);
    else throw new UsageError(`${flag}: expected a command and its arguments, got a comment (#${entry.comment})`);
  }
  return words;
}

/**
 * What npm said went wrong, without what it prints around it: the
 * `npm error` lines of a failed run, up to the command's usage text (which
 * npm appends to every EUSAGE error and which would otherwise be all the
 * tail of its output shows). When its output holds no such line, the error
 * lines of npm's debug log, whose path npm prints last.
 */
import fs from 'node:fs';

const PREFIX = /^npm (?:error|ERR!)(?: |$)/;
const LOG_FILE = /A complete log of this run can be found in:\s*(\S+)/;
const LOG_ERROR = /^\d+ error(?: |$)/;
const NOISE = [LOG_FILE, /^Run "npm help /, /^code \S+$/, /^errno \S+$/];
const MAX_LINES = 20;

/** npm's own lines with their prefix removed, the usage text and blank or repeated lines dropped. */
function ownLines(lines: readonly string[]): string[] {
  const usage = lines.findIndex((line) => line.trim() === 'Usage:');
  let kept = usage === -1 ? [...lines] : lines.slice(0, usage);
  if (usage !== -1) {
    // The paragraph right above `Usage:` is the command's description ("Clean install a project").
    let end = kept.length;
    while (end > 0 && (kept[end - 1] as string).trim() === '') end--;
    let start = end;
    while (start > 0 && (kept[start - 1] as string).trim() !== '') start--;
    kept = kept.slice(0, start);
  }
  const own = new Set<string>();
  for (const line of kept.map((l) => l.trim())) {
    if (line !== '' && !NOISE.some((noise) => noise.test(line))) own.add(line);
  }
  return [...own];
}

function readLogLines(file: string): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => LOG_ERROR.test(line))
      .map((line) => line.replace(LOG_ERROR, ''));
  } catch {
    return [];
  }
}

/**
 * The detail of a failed npm run: its error lines, and where its full log is.
 *
 * @example
 * explainNpmFailure('npm ci', output);
 * // 'npm ci failed:\n`npm ci` can only install packages when …\nMissing: mlaas@0.1.0 from lock file\n(npm's log: /root/.npm/_logs/…-debug-0.log)'
 */
export function explainNpmFailure(what: string, output: string): string | undefined {
  const printed = output.split('\n').filter((line) => PREFIX.test(line)).map((line) => line.replace(PREFIX, ''));
  const logFile = printed.map((line) => LOG_FILE.exec(line)?.[1]).find((file) => file !== undefined);
  let lines = ownLines(printed);
  if (lines.length === 0 && logFile !== undefined) lines = ownLines(readLogLines(logFile));
  if (lines.length === 0) return undefined;
  const shown = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more lines`] : lines;
  return `${what} failed:\n${shown.join('\n')}${logFile === undefined ? '' : `\n(npm's log: ${logFile})`}`;
}

/**
 * The `.mlaasignore` matcher: the gitignore syntax a Cloud Run user knows
 * from `.gcloudignore`, translated to regular expressions so that packing
 * needs no extra dependency.
 *
 * Supported: blank lines and `#` comments; `!` to re-include; a trailing `/`
 * for directories only; a leading or inner `/` anchors the pattern at the
 * source root, otherwise it matches a name at any depth; `*`, `?`, `[a-z]`
 * inside one path segment; `**` across segments (leading, trailing or between
 * two slashes).
 * As in git, a file inside an ignored directory cannot be re-included: the
 * walker never enters that directory.
 */

/** Whether the path (relative, `/`-separated) is excluded. */
export type IgnoreMatcher = (relativePath: string, isDirectory: boolean) => boolean;

interface Rule {
  regex: RegExp;
  negate: boolean;
  directoryOnly: boolean;
}

/**
 * What every source leaves out even without a `.mlaasignore`: installed
 * dependencies, version control, the platform's state (admin token, keys,
 * model store, earlier artifacts), logs and environment files. A `!` line in
 * `.mlaasignore` takes any of them back.
 */
export const DEFAULT_IGNORES: readonly string[] = ['node_modules/', '.git/', '.mlaas/', '*.log', '.env*'];

const REGEX_SPECIAL = /[\\^$.|+(){}]/;

function segmentGlobToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
      } else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      out += `\\${glob[++i]}`;
    } else {
      out += REGEX_SPECIAL.test(c) ? `\\${c}` : c;
    }
  }
  return out;
}

function globToRegex(pattern: string, anchored: boolean): RegExp {
  let body = '';
  let rest = pattern;
  if (rest.startsWith('**/')) {
    body = '(?:.*/)?';
    rest = rest.slice(3);
    anchored = true;
  }
  const suffixAll = rest.endsWith('/**');
  if (suffixAll) rest = rest.slice(0, -3);
  body += rest
    .split('/**/')
    .map((part) => segmentGlobToRegex(part))
    .join('/(?:.*/)?');
  if (suffixAll) body += '/.+';
  return new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`);
}

function parseRule(line: string): Rule | undefined {
  let text = line.replace(/(?<!\\)\s+$/, '');
  if (text === '' || text.startsWith('#')) return undefined;
  const negate = text.startsWith('!');
  if (negate) text = text.slice(1);
  else if (text.startsWith('\\!') || text.startsWith('\\#')) text = text.slice(1);
  const directoryOnly = text.endsWith('/');
  if (directoryOnly) text = text.slice(0, -1);
  const anchored = text.includes('/');
  if (text.startsWith('/')) text = text.slice(1);
  if (text === '') return undefined;
  return { regex: globToRegex(text, anchored), negate, directoryOnly };
}

/**
 * Compiles ignore lines; the last rule that matches a path decides.
 *
 * @example
 * const ignored = compileIgnoreRules(['model/', '*.test.ts', '!keep.test.ts']);
 * ignored('src/a.test.ts', false); // true
 */
export function compileIgnoreRules(lines: readonly string[]): IgnoreMatcher {
  const decide = compileDecision(lines);
  return (relativePath, isDirectory) => decide(relativePath, isDirectory) === 'ignored';
}

/**
 * Whether the last rule that matches a path is a `!` line: the path is
 * included on purpose, not merely left unmatched. A secret-looking file is
 * packed only then.
 *
 * @example
 * const reincluded = compileReincludeRules(['!config/admin-token']);
 * reincluded('config/admin-token', false); // true
 */
export function compileReincludeRules(lines: readonly string[]): IgnoreMatcher {
  const decide = compileDecision(lines);
  return (relativePath, isDirectory) => decide(relativePath, isDirectory) === 'reincluded';
}

function compileDecision(lines: readonly string[]): (relativePath: string, isDirectory: boolean) => 'ignored' | 'reincluded' | 'unmatched' {
  const rules = lines.map(parseRule).filter((rule): rule is Rule => rule !== undefined);
  return (relativePath, isDirectory) => {
    let decision: 'ignored' | 'reincluded' | 'unmatched' = 'unmatched';
    for (const rule of rules) {
      if (rule.directoryOnly && !isDirectory) continue;
      if (rule.regex.test(relativePath)) decision = rule.negate ? 'reincluded' : 'ignored';
    }
    return decision;
  };
}

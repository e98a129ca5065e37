/**
 * `${VAR}` and `${VAR:-default}` in configuration files, as Docker Compose
 * writes them: `${VAR}` is the variable (an error when unset), `${VAR:-x}` is
 * `x` when VAR is unset or empty, `${VAR-x}` only when unset, and `$$` is a
 * literal `$` (so `$${VAR}` stays `${VAR}`).
 *
 * It runs on the parsed YAML document, on string scalars only, never on the
 * text: a value with a quote, a colon or a newline in it then cannot change
 * the file's structure. An unquoted scalar is read again as YAML reads a
 * plain scalar, as if the value had been written there (`port: ${PORT}` is a
 * number); a quoted one stays a string. Keys are not substituted: they name
 * fields, and a field path must be readable in the file.
 */
import { isPair, isScalar, isSeq, parse as parseYamlValue, visit, type Document, type LineCounter, Scalar } from 'yaml';
import type { FieldIssue } from '../errors.js';
import { formatPath } from '../api/zod-issues.js';

/** The variables a file is read with: `process.env` unless a caller injects others. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface SubstitutionResult {
  issues: FieldIssue[];
  /** Name → value of every variable that was set and used. */
  used: Record<string, string>;
}

const REFERENCE = /\$(\$|\{([^}]*)\})/g;
const FORM = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/s;

/**
 * Replaces the references in `doc`'s string values in place; every unset
 * variable and malformed reference is one issue, with its field path and line.
 */
export function substituteVariables(doc: Document, lineCounter: LineCounter, env: Environment): SubstitutionResult {
  const issues: FieldIssue[] = [];
  const used: Record<string, string> = {};
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const source = node.value;
      const problems: string[] = [];
      const value = source.replace(REFERENCE, (whole: string, escaped: string, inner: string | undefined) => {
        if (escaped === '$') return '$';
        const form = FORM.exec(inner ?? '');
        if (form === null) {
          problems.push(`${whole} is not a variable reference: expected \${NAME}, \${NAME:-default} or $$ for a literal $`);
          return whole;
        }
        const [, name, operator, fallback] = form as unknown as [string, string, string | undefined, string | undefined];
        const set = env[name];
        if (set !== undefined && !(operator === ':-' && set === '')) {
          used[name] = set;
          return set;
        }
        if (operator !== undefined) return fallback ?? '';
        problems.push(`variable ${name} is not set (write \${${name}:-default} for a default, $\${${name}} for the literal text)`);
        return whole;
      });
      if (problems.length > 0) {
        const at = lineCounter.linePos(node.range?.[0] ?? 0);
        const path = pathOf(ancestors, node);
        for (const message of problems) issues.push({ path, message: `${message}, at line ${at.line}` });
        return;
      }
      if (value === source) return;
      node.value = node.type === Scalar.PLAIN ? plainValue(value) : value;
    },
  });
  return { issues, used };
}

/** What YAML makes of `text` as a plain scalar: a number, boolean or null stays one; anything else is the string. */
function plainValue(text: string): unknown {
  try {
    const parsed: unknown = parseYamlValue(text, { logLevel: 'silent' });
    return typeof parsed === 'number' || typeof parsed === 'boolean' ? parsed : text;
  } catch {
    return text;
  }
}

/** `services.spam.env.TOKEN`, `paths./v1/x.get.x-google-backend.address`, `command[1]`. */
function pathOf(ancestors: readonly unknown[], node: unknown): string {
  const segments: PropertyKey[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent) && isScalar(parent.key)) segments.push(String(parent.key.value));
    else if (isSeq(parent)) segments.push(parent.items.indexOf(child as never));
  }
  return formatPath(segments);
}

/**
 * YAML text → plain value, with syntax errors reported as FieldIssues that
 * give the line and column (duplicate keys count as errors, as in YAML 1.2),
 * and `${VAR}` references substituted from `env` (substitute-variables.ts).
 */
import { LineCounter, parseDocument } from 'yaml';
import type { FieldIssue } from '../errors.js';
import { substituteVariables, type Environment } from './substitute-variables.js';

export type YamlResult =
  | { ok: true; value: unknown; /** Name → value of each variable that was set and used. */ variables: Record<string, string> }
  | { ok: false; issues: FieldIssue[] };

export interface ParseYamlOptions {
  /** Where `${VAR}` is looked up; without it the text is taken literally. */
  env?: Environment;
}

export function parseYaml(text: string, options: ParseYamlOptions = {}): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return { path: '', message: `YAML syntax error at line ${at.line}, column ${at.col}: ${e.message}` };
      }),
    };
  }
  if (options.env === undefined) return { ok: true, value: doc.toJS(), variables: {} };
  const { issues, used } = substituteVariables(doc, lineCounter, options.env);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: doc.toJS(), variables: used };
}

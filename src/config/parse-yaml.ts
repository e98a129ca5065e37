/**
 * YAML text → plain value, with syntax errors reported as FieldIssues that
 * give the line and column (duplicate keys count as errors, as in YAML 1.2).
 */
import { LineCounter, parseDocument } from 'yaml';
import type { FieldIssue } from '../errors.js';

export type YamlResult = { ok: true; value: unknown } | { ok: false; issues: FieldIssue[] };

export function parseYaml(text: string): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length === 0) return { ok: true, value: doc.toJS() };
  return {
    ok: false,
    issues: doc.errors.map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return { path: '', message: `YAML syntax error at line ${at.line}, column ${at.col}: ${e.message}` };
    }),
  };
}

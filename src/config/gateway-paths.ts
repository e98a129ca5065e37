/**
 * The gateway document's path keys read as Google path templates
 * (path-template.ts): each one refused by its path when mlaas cannot serve it
 * as Google would, and two operations on the same route (`/a/{x}` and
 * `/a/{y}` with one method: ESPv2's "duplicate http pattern") refused too.
 */
import type { FieldIssue } from '../errors.js';
import { parsePathTemplate, templateKey } from './path-template.js';
import { formatPath } from '../api/zod-issues.js';

/** True when `basePath + pathKey` is a template mlaas serves; otherwise the reason goes into `issues`. */
export function checkPathKey(basePath: string, pathKey: string, issues: FieldIssue[]): boolean {
  const parsed = parsePathTemplate(basePath + pathKey);
  if (parsed.ok) return true;
  issues.push({ path: formatPath(['paths', pathKey]), message: parsed.message });
  return false;
}

/** Reports every operation whose method and template repeat an earlier one's. */
export function reportDuplicateRoutes(
  operations: readonly { path: string; method: string; configPath: string }[],
  issues: FieldIssue[],
): void {
  const seen = new Map<string, string>();
  for (const op of operations) {
    const parsed = parsePathTemplate(op.path);
    if (!parsed.ok) continue;
    const key = `${op.method} ${templateKey(parsed.template)}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, op.configPath);
      continue;
    }
    issues.push({
      path: op.configPath,
      message: `the same route as ${first}: templates that differ only in variable names match the same requests (Google refuses a duplicate http pattern)`,
    });
  }
}

/**
 * Turns zod issues into mlaas FieldIssues: one entry per offending field, a
 * dotted path, and a message that says what was expected and what was found.
 * `describeIssue` is passed as the per-parse error map so that every schema in
 * this folder speaks the same way without repeating messages field by field.
 */
import type { z } from 'zod';
import type { FieldIssue } from '../errors.js';

type PathSegment = PropertyKey;

/** `['services', 'spam', 'command', 1]` → `services.spam.command[1]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

/** A short rendering of a found value for "…, got X". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a map';
  return String(value);
}

const TYPE_NAMES: Record<string, string> = { object: 'a map', record: 'a map', array: 'a list' };

function sizeMessage(
  iss: { origin: string; inclusive?: boolean; input?: unknown },
  bound: number | bigint,
  dir: 'min' | 'max',
): string {
  const got = describeValue(iss.input);
  const op = dir === 'min' ? (iss.inclusive ? '≥' : '>') : iss.inclusive ? '≤' : '<';
  if (iss.origin === 'number' || iss.origin === 'int' || iss.origin === 'bigint') return `expected number ${op} ${bound}, got ${got}`;
  if (dir === 'min' && Number(bound) === 1) {
    return iss.origin === 'string' ? `expected a non-empty string, got ${got}` : `expected a non-empty list, got ${got}`;
  }
  const unit = iss.origin === 'string' ? 'characters' : 'items';
  const len = Array.isArray(iss.input) || typeof iss.input === 'string' ? `${iss.input.length}` : got;
  return `expected ${dir === 'min' ? 'at least' : 'at most'} ${bound} ${unit}, got ${len}`;
}

/**
 * The per-parse error map: `schema.safeParse(value, { error: describeIssue, reportInput: true })`.
 * Schema-level messages (set with `{ error }` on a field) take precedence over it.
 */
export function describeIssue(iss: z.core.$ZodRawIssue): string {
  const got = describeValue(iss.input);
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${got}`;
    case 'too_small':
      return sizeMessage(iss, iss.minimum, 'min');
    case 'too_big':
      return sizeMessage(iss, iss.maximum, 'max');
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'invalid_format':
      if (iss.format === 'regex' && 'pattern' in iss) return `expected to match ${String(iss.pattern)}, got ${got}`;
      if (iss.format === 'starts_with' && 'prefix' in iss) return `expected to start with ${JSON.stringify(iss.prefix)}, got ${got}`;
      return `expected a valid ${iss.format}, got ${got}`;
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return `invalid value ${got}`;
  }
}

/** One FieldIssue per problem, with `prefix` put in front of each path. */
export function fieldIssuesOf(error: z.ZodError, prefix: readonly PathSegment[] = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const iss of error.issues) {
    const at = [...prefix, ...iss.path];
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) out.push({ path: formatPath([...at, key]), message: iss.message });
    } else if (iss.code === 'invalid_key') {
      out.push({ path: formatPath(at), message: iss.issues.map((i) => i.message).join('; ') });
    } else {
      out.push({ path: formatPath(at), message: iss.message });
    }
  }
  return out;
}

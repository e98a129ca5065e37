/**
 * The field-level difference of two JSON values, as a plan prints it:
 * `scaling.maxInstances: 3 → 5`, `env.FOO: (none) → bar`,
 * `targets[1].percent: 50 → 20`. Maps are compared key by key (sorted,
 * so the output is deterministic), lists of objects element by element, and
 * anything else — a list of strings such as a command — as one value.
 */
import { isDeepStrictEqual } from 'node:util';

export interface FieldChange {
  path: string;
  /** Absent: the field did not exist. */
  old?: unknown;
  /** Absent: the field goes away. */
  new?: unknown;
}

export function fieldChanges(old: unknown, now: unknown, at = ''): FieldChange[] {
  if (isDeepStrictEqual(old, now)) return [];
  // A map that appears or goes away is shown field by field too.
  if ((isPlainObject(old) || old === undefined) && (isPlainObject(now) || now === undefined)) {
    const keys = [...new Set([...Object.keys(old ?? {}), ...Object.keys(now ?? {})])].sort();
    return keys.flatMap((key) => fieldChanges(old?.[key], now?.[key], at === '' ? key : `${at}.${key}`));
  }
  if (Array.isArray(old) && Array.isArray(now) && [...old, ...now].some(isPlainObject)) {
    const changes: FieldChange[] = [];
    for (let i = 0; i < Math.max(old.length, now.length); i++) changes.push(...fieldChanges(old[i], now[i], `${at}[${i}]`));
    return changes;
  }
  return [{ path: at, ...(old === undefined ? {} : { old }), ...(now === undefined ? {} : { new: now }) }];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A flags file in the forms the flagd daemon's file source reads (flagd's
 * schema `flagd.json` → `flags.json#/definitions/flagdConfig`): `flags` is a
 * map of flag key → definition, or a list of definitions that each carry
 * their `key`. flagd-core, which evaluates here, takes only the map (the
 * providers' form), so a list becomes that map; `$evaluators`, `metadata` and
 * `$schema` stay as they are. Problems in a list are reported at the list's
 * own paths (`flags[2].variants`), not at the map's they were found at.
 */
import { configError } from '../config/config-error.js';
import { describeValue } from '../api/zod-issues.js';
import { MlaasError, type FieldIssue } from '../errors.js';
import { FlagSet, type FlagSetOptions } from './flag-set.js';

/**
 * @throws MlaasError CONFIG_INVALID listing every problem by path.
 * @example
 * flagSetFromFlagdFile({ flags: [{ key: 'new-ui', state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }] });
 */
export function flagSetFromFlagdFile(value: unknown, options: FlagSetOptions = {}): FlagSet {
  const list = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)['flags'] : undefined;
  if (!Array.isArray(list)) return FlagSet.fromDocument(value, options);

  const flags: Record<string, unknown> = {};
  const indexOf = new Map<string, number>();
  const issues: FieldIssue[] = [];
  list.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      issues.push({ path: `flags[${i}]`, message: `expected a flag definition (a map with its "key"), got ${describeValue(item)}` });
      return;
    }
    const { key, ...definition } = item as Record<string, unknown>;
    if (typeof key !== 'string' || key === '') {
      issues.push({ path: `flags[${i}].key`, message: `expected the flag's key (a non-empty string), got ${describeValue(key)}` });
      return;
    }
    const earlier = indexOf.get(key);
    if (earlier !== undefined) {
      issues.push({ path: `flags[${i}].key`, message: `expected a key no other flag has, got "${key}", the key of flags[${earlier}] too` });
      return;
    }
    indexOf.set(key, i);
    flags[key] = definition;
  });

  let set: FlagSet | undefined;
  let found: FieldIssue[] = [];
  try {
    set = FlagSet.fromDocument({ ...(value as Record<string, unknown>), flags }, options);
  } catch (err) {
    if (!(err instanceof MlaasError) || err.errors === undefined) throw err;
    found = err.errors.map((e) => atListPath(e, indexOf));
  }
  const all = [...issues, ...found];
  if (set === undefined || all.length > 0) throw configError('CONFIG_INVALID', options.source ?? 'flags', all);
  return set;
}

/** `flags.new-ui.variants` → `flags[3].variants` for the flag that sat at index 3 of the list. */
function atListPath(issue: FieldIssue, indexOf: ReadonlyMap<string, number>): FieldIssue {
  // The longest key first: `a.b` must not be read as flag `a`'s field `b`.
  const keys = [...indexOf.keys()].sort((x, y) => y.length - x.length);
  for (const key of keys) {
    const prefix = `flags.${key}`;
    if (issue.path === prefix || issue.path.startsWith(`${prefix}.`)) {
      return { ...issue, path: `flags[${indexOf.get(key)}]${issue.path.slice(prefix.length)}` };
    }
  }
  return issue;
}

/**
 * Names a command's flags in the admin API's field issues: the API checks the
 * request body it got (`expiresAt`, `quota.requestsPerMinute`), but the user
 * typed `--expires-at` and `--rpm`. Each command declares which flag sets
 * which field; an issue at that field, or inside it, is reported under the flag.
 */
import { MlaasError, type ErrorCode, type FieldIssue } from '../errors.js';

/**
 * A command's flags by the body field (or query parameter) each one sets.
 *
 * @example
 * const KEY_FLAGS: FlagNames = { expiresAt: '--expires-at', 'quota.requestsPerMinute': '--rpm', scopes: '--scope' };
 */
export type FlagNames = Readonly<Record<string, string>>;

/** The flag that set the field at `path` (the longest field that is `path` or holds it), or undefined. */
export function flagOf(path: string, flags: FlagNames): string | undefined {
  let best: string | undefined;
  for (const field of Object.keys(flags)) {
    const holds = path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
    if (holds && (best === undefined || field.length > best.length)) best = field;
  }
  return best === undefined ? undefined : flags[best];
}

/** The checks of a request as a whole, whose detail only counts the issues ("body has 2 errors"). */
const GENERIC_CHECKS: ReadonlySet<ErrorCode> = new Set(['ADMIN_BODY_INVALID', 'ADMIN_QUERY_INVALID']);

/**
 * `err` with its issues under the flags that caused them; a generic check's
 * detail names those flags instead (`invalid --rpm`), any other detail stays.
 */
export function flagNamesOf(err: MlaasError, flags: FlagNames): MlaasError {
  if (err.errors === undefined || err.errors.length === 0) return err;
  const named: string[] = [];
  const errors: FieldIssue[] = err.errors.map((issue) => {
    const flag = flagOf(issue.path, flags);
    if (flag === undefined) return issue;
    if (!named.includes(flag)) named.push(flag);
    return { ...issue, path: flag };
  });
  if (named.length === 0) return err;
  return new MlaasError(err.code, GENERIC_CHECKS.has(err.code) ? `invalid ${named.join(', ')}` : err.message, { errors });
}

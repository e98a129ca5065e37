/**
 * Field builders shared by the mlaas.yaml schema and the gateway document
 * schema. Each one carries its own "expected …, got …" message, so that a
 * typo or a wrong number reads the same wherever it is made.
 */
import { z } from 'zod';
import { describeValue } from './zod-issues.js';

/**
 * An object that rejects unknown keys and names the keys it knows, so that
 * `minInstance:` is reported as `unknown key; expected one of: minInstances, maxInstances`.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key; expected one of: ${known}` : undefined),
  });
}

/** An integer in [min, max]; every failure reads `expected integer ≥ min, got X`. */
export function integer(min: number, max?: number) {
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  const error = (iss: { input?: unknown }) => `expected integer ${range}, got ${describeValue(iss.input)}`;
  const base = z.int({ error }).min(min, { error });
  return max === undefined ? base : base.max(max, { error });
}

/** A number of seconds (or bytes, …) that must be above zero. */
export function positiveNumber() {
  const error = (iss: { input?: unknown }) => `expected number > 0, got ${describeValue(iss.input)}`;
  return z.number({ error }).positive({ error });
}

/**
 * A number within Knative's bounds for a setting, reported as Knative words
 * it: `must be ≥ 110, got 100`. `integer` also refuses fractions.
 */
export function bounded(min: number, max: number | undefined, options: { integer?: boolean; exclusiveMin?: boolean } = {}) {
  const got = (iss: { input?: unknown }) => `, got ${describeValue(iss.input)}`;
  const type = (iss: { input?: unknown }) => `must be ${options.integer === true ? 'an integer' : 'a number'}${got(iss)}`;
  const base = options.integer === true ? z.int({ error: type }) : z.number({ error: type });
  const low =
    options.exclusiveMin === true
      ? base.gt(min, { error: (iss) => `must be > ${min}${got(iss)}` })
      : base.min(min, { error: (iss) => `must be ≥ ${min}${got(iss)}` });
  return max === undefined ? low : low.max(max, { error: (iss) => `must be ≤ ${max}${got(iss)}` });
}

/** A string matching `pattern`, reported as `expected <what> (pattern), got X`. */
export function patternString(pattern: RegExp, what: string) {
  return z.string().regex(pattern, {
    error: (iss) => `expected ${what} matching ${pattern.source}, got ${describeValue(iss.input)}`,
  });
}

/** Service and tenant names: DNS labels, as Knative and Cloud Run require. */
export const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration as Knative writes it (`500ms`, `30s`, `5m`, `1h`) or a number of
 * seconds; parsed to milliseconds, within [minMs, maxMs].
 */
export function duration(minMs = 0, maxMs = 24 * 3_600_000) {
  const expected = `a duration such as 30s, 500ms or 5m from ${minMs / 1000}s to ${maxMs / 1000}s`;
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    let ms: number | undefined;
    if (typeof value === 'number') ms = value * 1000;
    else {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
      if (m !== null) ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    }
    if (ms === undefined || !Number.isFinite(ms) || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${describeValue(value)}` });
      return z.NEVER;
    }
    return ms;
  });
}

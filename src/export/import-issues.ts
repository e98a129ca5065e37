/**
 * Collects what import of a Knative Service finds wrong, every problem by
 * its Knative field path, and the small readers that add to it instead of
 * throwing, so that one import reports all problems at once.
 */
import type { FieldIssue } from '../errors.js';

/** mlaas field path (`scaling.stableWindow`) → Knative path it was read from. */
export type Origins = Map<string, string>;

export function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export class Issues {
  readonly list: FieldIssue[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** A map at `path`, or `{}` with an issue when something else is there. */
  map(value: unknown, path: string): Record<string, unknown> {
    if (isMap(value)) return value;
    this.add(path, `expected a map, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
    return {};
  }

  /** Annotations and labels: string to string; absent is empty. */
  stringMap(value: unknown, path: string): Record<string, string> {
    if (value === undefined || value === null) return {};
    const map = this.map(value, path);
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(map)) {
      if (typeof v === 'string') out[key] = v;
      else this.add(`${path}.${key}`, `expected a string, got ${JSON.stringify(v)}`);
    }
    return out;
  }

  /** Every key of `map` outside `known` is refused with `why`. */
  onlyKeys(map: Record<string, unknown>, path: string, known: ReadonlySet<string>, why: string): void {
    for (const key of Object.keys(map)) if (!known.has(key)) this.add(path === '' ? key : `${path}.${key}`, why);
  }

  /** An annotation holding JSON; `ok` checks its shape. */
  json<T>(text: string, path: string, ok: (v: unknown) => v is T): T | undefined {
    try {
      const value: unknown = JSON.parse(text);
      if (ok(value)) return value;
    } catch {
      // reported below, as for a value of the wrong shape
    }
    this.add(path, `expected JSON as mlaas export writes it, got ${JSON.stringify(text)}`);
    return undefined;
  }

  /** A number written as an annotation's text. */
  number(text: string, path: string): number | undefined {
    const n = Number(text);
    if (text.trim() !== '' && Number.isFinite(n)) return n;
    this.add(path, `expected a number, got ${JSON.stringify(text)}`);
    return undefined;
  }
}

/**
 * Checks a flagd flags document against flagd's own schema — the validator
 * that ships inside `@openfeature/flagd-core` — and turns what it finds into
 * FieldIssues with dotted paths (`flags.new-model.variants.on`), one per
 * problem, for every bad flag rather than only the first.
 */
import { MemoryStorage } from '@openfeature/flagd-core';
import type { Logger } from '@openfeature/server-sdk';
import { describeValue } from '../api/zod-issues.js';
import type { FieldIssue } from '../errors.js';

/** One error as flagd-core's precompiled (ajv) validator reports it. */
interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const SCHEMA_ERRORS_PREFIX = 'invalid flagd flag configuration: ';
const TARGETING_WARNING = 'Invalid targeting configuration';
const VARIANT_TYPES = ['boolean', 'number', 'string', 'object'] as const;

const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/** Every problem in `doc` as flagd would see it; `[]` when flagd-core accepts it. */
export function flagsDocumentIssues(doc: unknown): FieldIssue[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return [{ path: '', message: `expected a flagd document (a map with "flags"), got ${describeValue(doc)}` }];
  }
  const record = doc as Record<string, unknown>;
  const flags = record['flags'];
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) {
    return [{ path: 'flags', message: `expected a map of flag definitions, got ${describeValue(flags)}` }];
  }
  if (accepts(record) === undefined) return [];

  // flagd-core's validator stops at the first bad flag; checking the top
  // level alone, then each flag alone (with the shared $evaluators), reports
  // every problem once.
  const issues: FieldIssue[] = [];
  const top = { ...record, flags: {} };
  const topFailure = accepts(top);
  if (topFailure !== undefined) issues.push(...issuesOf(topFailure, top, undefined));
  const shared = record['$evaluators'] === undefined ? {} : { $evaluators: record['$evaluators'] };
  for (const [name, definition] of Object.entries(flags as Record<string, unknown>)) {
    const single = { ...shared, flags: { [name]: definition } };
    const failure = accepts(single);
    if (failure !== undefined) issues.push(...issuesOf(failure, single, name));
  }
  return issues;
}

/**
 * undefined when flagd-core takes the document with strict validation on,
 * else what it threw. A targeting rule that passes the schema but does not
 * compile (an unresolved `$ref`, say) is only logged by flagd-core and would
 * fail every evaluation, so it counts as a failure here.
 */
function accepts(doc: Record<string, unknown>): Error | undefined {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')) };
  try {
    new MemoryStorage(logger).setConfigurations(JSON.stringify(doc), true);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const targeting = warnings.find((w) => w.startsWith(TARGETING_WARNING));
  return targeting === undefined ? undefined : new TargetingError(targeting);
}

class TargetingError extends Error {}

function issuesOf(failure: Error, doc: Record<string, unknown>, flagName: string | undefined): FieldIssue[] {
  const flagPath = flagName === undefined ? 'flags' : `flags.${flagName}`;
  if (failure instanceof TargetingError) {
    return [{ path: `${flagPath}.targeting`, message: 'expected a rule flagd can compile (check operators and $ref names)' }];
  }
  const schemaErrors = parseSchemaErrors(failure.message);
  if (schemaErrors === undefined) {
    // Not a schema error: flagd-core's structural checks (FeatureFlag) threw.
    return [structuralIssue(failure, doc, flagName, flagPath)];
  }
  const definition = flagName === undefined ? undefined : (doc['flags'] as Record<string, unknown>)[flagName];
  const mixed = flagName === undefined ? undefined : mixedVariantsIssue(definition, flagPath);
  // With mixed variant types, the variant errors and the flag's failed anyOf both say only that.
  const pointer = `/flags/${escapePointer(flagName ?? '')}`;
  const errors =
    mixed === undefined ? schemaErrors : schemaErrors.filter((e) => e.instancePath !== pointer && !e.instancePath.startsWith(`${pointer}/variants`));
  const issues = describeSchemaErrors(errors, doc);
  if (mixed !== undefined) issues.unshift(mixed);
  return issues.length > 0 ? issues : [{ path: flagPath, message: 'does not match flagd\'s flag schema' }];
}

function parseSchemaErrors(message: string): SchemaError[] | undefined {
  if (!message.startsWith(SCHEMA_ERRORS_PREFIX)) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(SCHEMA_ERRORS_PREFIX.length));
    return Array.isArray(parsed) ? (parsed as SchemaError[]) : undefined;
  } catch {
    return undefined;
  }
}

function structuralIssue(failure: Error, doc: Record<string, unknown>, flagName: string | undefined, flagPath: string): FieldIssue {
  const cause = failure.cause instanceof Error ? failure.cause.message : failure.message;
  const definition = flagName === undefined ? undefined : (doc['flags'] as Record<string, unknown>)[flagName];
  if (cause.startsWith('Default variant') && typeof definition === 'object' && definition !== null) {
    const { variants, defaultVariant } = definition as { variants?: Record<string, unknown>; defaultVariant?: unknown };
    const names = Object.keys(variants ?? {}).join(', ');
    return { path: `${flagPath}.defaultVariant`, message: `expected one of the variants (${names}), got ${describeValue(defaultVariant)}` };
  }
  return { path: flagPath, message: cause };
}

/** flagd wants every variant of a flag to have one type; say so plainly instead of four schema branches. */
function mixedVariantsIssue(definition: unknown, flagPath: string): FieldIssue | undefined {
  if (typeof definition !== 'object' || definition === null) return undefined;
  const variants = (definition as { variants?: unknown }).variants;
  if (typeof variants !== 'object' || variants === null || Array.isArray(variants)) return undefined;
  const found = Object.entries(variants).map(([name, value]) => `${name}: ${variantType(value)}`);
  const types = new Set(Object.values(variants).map(variantType));
  if (types.size <= 1) return undefined;
  return {
    path: `${flagPath}.variants`,
    message: `expected all variants to have one type (${VARIANT_TYPES.join(', ')}), got ${found.join(', ')}`,
  };
}

function variantType(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  return typeof value;
}

/**
 * ajv reports each failed branch of the schema's anyOf/oneOf; keep the
 * specific errors, merge the alternatives found at one path, drop duplicates.
 */
function describeSchemaErrors(errors: readonly SchemaError[], doc: unknown): FieldIssue[] {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  const chosen = specific.length > 0 ? specific : errors;
  const typesAt = new Map<string, { segments: string[]; types: Set<string> }>();
  const out = new Map<string, FieldIssue>();
  const unknownKey = new Set<FieldIssue>();
  for (const e of chosen) {
    const segments = pointerSegments(e.instancePath);
    if (e.keyword === 'type') {
      const entry = typesAt.get(e.instancePath) ?? { segments, types: new Set<string>() };
      entry.types.add(String(e.params['type']));
      typesAt.set(e.instancePath, entry);
      continue;
    }
    const issue = describeOne(e, segments, doc);
    if (e.keyword === 'additionalProperties') unknownKey.add(issue);
    out.set(`${issue.path}\n${issue.message}`, issue);
  }
  for (const { segments, types } of typesAt.values()) {
    const issue = { path: segments.join('.'), message: `expected ${[...types].join(' or ')}, got ${describeValue(valueAt(doc, segments))}` };
    out.set(`${issue.path}\n${issue.message}`, issue);
  }
  // "unknown operator X" from one schema branch is wrong when another branch knows X and found fault inside it.
  const issues = [...out.values()];
  return issues.filter(
    (issue) => !(unknownKey.has(issue) && issues.some((other) => other !== issue && (other.path === issue.path || other.path.startsWith(`${issue.path}.`)))),
  );
}

function describeOne(e: SchemaError, segments: readonly string[], doc: unknown): FieldIssue {
  const at = segments.join('.');
  switch (e.keyword) {
    case 'required':
      return { path: join(at, String(e.params['missingProperty'])), message: 'is required' };
    case 'additionalProperties': {
      const key = String(e.params['additionalProperty']);
      const inTargeting = segments.includes('targeting');
      return {
        path: join(at, key),
        message: inTargeting ? `unknown targeting operator ${JSON.stringify(key)}` : 'is not a field of a flagd document',
      };
    }
    case 'minProperties': {
      const found = valueAt(doc, segments);
      const count = typeof found === 'object' && found !== null ? Object.keys(found).length : 0;
      return { path: at, message: `expected at least ${String(e.params['limit'])} entries, got ${count}` };
    }
    case 'enum': {
      const allowed = (e.params['allowedValues'] as unknown[] | undefined) ?? [];
      return { path: at, message: `expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(valueAt(doc, segments))}` };
    }
    default:
      return { path: at, message: `${e.message ?? 'is invalid'}, got ${describeValue(valueAt(doc, segments))}` };
  }
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** JSON Pointer `/flags/a~1b/variants/on` → `['flags', 'a/b', 'variants', 'on']`. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(doc: unknown, segments: readonly string[]): unknown {
  let node: unknown = doc;
  for (const key of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

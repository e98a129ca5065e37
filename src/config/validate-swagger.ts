/**
 * Checks a gateway document against the Swagger 2.0 JSON Schema and spec
 * rules (via @apidevtools/swagger-parser) and reports the findings as
 * FieldIssues with dotted paths, as mlaas reports everything else. Google's
 * `{name=*}` and `{name=**}` placeholders are read as `{name}` for the check
 * (Swagger's rule that each placeholder has a path parameter of that name),
 * and reported under the document's own path keys.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FieldIssue } from '../errors.js';
import { isJsonObject } from '../api/json-object.js';
import { describeValue, formatPath } from '../api/zod-issues.js';

/** swagger-parser's document type, named without importing its transitive `openapi-types`. */
type ApiDocument = NonNullable<Parameters<SwaggerParser.ApiCallback>[1]>;

interface AjvDetail {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Returns every problem found; `[]` when the document is valid Swagger 2.0. */
export async function validateSwagger(doc: unknown): Promise<FieldIssue[]> {
  const { checked, keyOf } = withSwaggerPlaceholders(doc);
  try {
    // swagger-parser dereferences in place; the caller's object stays as written.
    await SwaggerParser.validate(structuredClone(checked) as ApiDocument);
    return [];
  } catch (err) {
    const details = (err as { details?: unknown }).details;
    const issues =
      Array.isArray(details) && details.length > 0
        ? schemaIssues(checked, details as AjvDetail[])
        : [specIssue(checked, err instanceof Error ? err.message : String(err))];
    return issues.map((issue) => ({ ...issue, path: pathInDocument(issue.path, keyOf) }));
  }
}

/**
 * The document with each path key's `{name=*}` / `{name=**}` written
 * `{name}`, and the map back from such a key to the document's own. A key
 * that would collide with another is left as it is (the duplicate route is
 * reported by the gateway document's own check).
 */
function withSwaggerPlaceholders(doc: unknown): { checked: unknown; keyOf: ReadonlyMap<string, string> } {
  const keyOf = new Map<string, string>();
  if (!isJsonObject(doc) || !isJsonObject(doc.paths)) return { checked: doc, keyOf };
  const paths: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(doc.paths)) {
    const plain = key.replace(/\{([^}=]+)=\*\*?\}/g, '{$1}');
    const target = plain !== key && !(plain in doc.paths) && !keyOf.has(plain) ? plain : key;
    if (target !== key) keyOf.set(target, key);
    paths[target] = item;
  }
  return keyOf.size === 0 ? { checked: doc, keyOf } : { checked: { ...doc, paths }, keyOf };
}

/** `paths./a/{x}.get` → `paths./a/{x=**}.get` when the check saw the key rewritten. */
function pathInDocument(path: string, keyOf: ReadonlyMap<string, string>): string {
  for (const [checked, original] of keyOf) {
    const prefix = `paths.${checked}`;
    if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) return `paths.${original}${path.slice(prefix.length)}`;
  }
  return path;
}

/**
 * Ajv reports every branch of a failed `oneOf`: the summary itself, and the
 * "or a $ref" alternative (`required: $ref` plus an `additionalProperties`
 * for each key present). Those only repeat what the specific entries say.
 */
function withoutBranchNoise(details: AjvDetail[]): AjvDetail[] {
  const isRefBranch = (d: AjvDetail) => d.keyword === 'required' && d.params.missingProperty === '$ref';
  const refPaths = new Set(details.filter(isRefBranch).map((d) => d.instancePath));
  const kept = details.filter(
    (d) =>
      d.keyword !== 'oneOf' &&
      d.keyword !== 'anyOf' &&
      !isRefBranch(d) &&
      !(d.keyword === 'additionalProperties' && refPaths.has(d.instancePath)),
  );
  return kept.length > 0 ? kept : details;
}

function schemaIssues(doc: unknown, details: AjvDetail[]): FieldIssue[] {
  const relevant = withoutBranchNoise(details);
  // One `enum` entry per oneOf branch at the same place: merge them into one list of allowed values.
  const allowed = new Map<string, unknown[]>();
  for (const d of relevant) {
    if (d.keyword === 'enum' && Array.isArray(d.params.allowedValues)) {
      allowed.set(d.instancePath, [...(allowed.get(d.instancePath) ?? []), ...d.params.allowedValues]);
    }
  }
  const seen = new Set<string>();
  const out: FieldIssue[] = [];
  for (const d of relevant) {
    const { segments, value } = walk(doc, d.instancePath);
    let issue: FieldIssue;
    if (d.keyword === 'required') {
      issue = { path: formatPath([...segments, String(d.params.missingProperty)]), message: 'required, got nothing' };
    } else if (d.keyword === 'additionalProperties') {
      issue = { path: formatPath([...segments, String(d.params.additionalProperty)]), message: 'unknown key (not in Swagger 2.0; extensions start with x-)' };
    } else if (d.keyword === 'type') {
      issue = { path: formatPath(segments), message: `expected ${String(d.params.type)}, got ${describeValue(value)}` };
    } else if (d.keyword === 'enum') {
      const values = [...new Set(allowed.get(d.instancePath))].map((v) => JSON.stringify(v)).join(', ');
      issue = { path: formatPath(segments), message: `expected one of ${values}, got ${describeValue(value)}` };
    } else {
      issue = { path: formatPath(segments), message: `${d.message ?? d.keyword}, got ${describeValue(value)}` };
    }
    const key = `${issue.path}\n${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(issue);
    }
  }
  return out;
}

/** Follows a JSON pointer, turning array indexes into numbers so that paths read `security[0]`. */
function walk(doc: unknown, pointer: string): { segments: PropertyKey[]; value: unknown } {
  const segments: PropertyKey[] = [];
  let value = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      segments.push(Number(key));
      value = value[Number(key)];
    } else {
      segments.push(key);
      value = isJsonObject(value) ? value[key] : undefined;
    }
  }
  return { segments, value };
}

/** Spec-rule failures name the operation as `/paths/v1/x/{id}/get` in prose; find which one. */
function specIssue(doc: unknown, message: string): FieldIssue {
  const text = message.replace(/^Validation failed\.\s*/, '');
  const paths = isJsonObject(doc) ? doc.paths : undefined;
  if (isJsonObject(paths)) {
    for (const [key, item] of Object.entries(paths)) {
      for (const method of Object.keys(isJsonObject(item) ? item : {})) {
        const pointer = `/paths${key}/${method}`;
        if (text.includes(`${pointer} `)) {
          return { path: formatPath(['paths', key, method]), message: text.replace(pointer, '').trim() };
        }
      }
    }
  }
  return { path: '', message: text };
}

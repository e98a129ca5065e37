/**
 * Path templates as Google reads them (google/api/http.proto's grammar, as
 * ESPv2 implements it): a literal segment, `*` or `{name}` / `{name=*}` (one
 * segment), `**` or `{name=**}` (zero or more segments, last only), and an
 * optional `:verb` after the last segment. What the grammar allows and mlaas
 * does not implement (multi-segment bindings such as `{name=shelves/*}`) and
 * what Google rejects (a variable inside a segment, `/items/prefix_{id}`;
 * empty segments) is refused with a sentence saying so.
 */

export type TemplateSegment =
  | { kind: 'literal'; text: string }
  /** One segment: `*`, `{name}` or `{name=*}`. */
  | { kind: 'one'; name: string | undefined }
  /** Zero or more segments: `**` or `{name=**}`. */
  | { kind: 'rest'; name: string | undefined };

export interface PathTemplate {
  segments: readonly TemplateSegment[];
  /** The custom verb after the last segment (`/v1/{name}:cancel` → `cancel`). */
  verb: string | undefined;
}

export type ParsedTemplate = { ok: true; template: PathTemplate } | { ok: false; message: string };

const SEGMENT_END = new Set(['/', ':']);

/**
 * @example
 * parsePathTemplate('/v1/files/{path=**}');
 * // { ok: true, template: { segments: [literal v1, literal files, { kind: 'rest', name: 'path' }], verb: undefined } }
 */
export function parsePathTemplate(input: string): ParsedTemplate {
  const fail = (message: string): ParsedTemplate => ({ ok: false, message });
  if (input === '/') return { ok: true, template: { segments: [], verb: undefined } };
  if (!input.startsWith('/')) return fail('expected a path starting with "/"');
  const segments: TemplateSegment[] = [];
  const names = new Set<string>();
  let i = 0;
  while (i < input.length && input[i] === '/') {
    i++;
    const start = i;
    const next = input[i];
    if (next === undefined || SEGMENT_END.has(next)) {
      return fail(
        next === undefined
          ? 'a path may not end in "/" (Google\'s templates have no empty segment; a request with one trailing "/" matches the path without it)'
          : 'a path may not contain an empty segment ("//" or "/:")',
      );
    }
    let segment: TemplateSegment;
    if (next === '{') {
      const close = input.indexOf('}', i);
      if (close < 0) return fail('a "{" opens a variable that no "}" closes');
      const body = input.slice(i + 1, close);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const binding = eq < 0 ? '*' : body.slice(eq + 1);
      if (!/^[^{}/=.]+(\.[^{}/=.]+)*$/.test(name)) return fail(`"{${body}}" does not start with a variable name`);
      if (names.has(name)) return fail(`the variable "${name}" appears twice`);
      names.add(name);
      if (binding === '*') segment = { kind: 'one', name };
      else if (binding === '**') segment = { kind: 'rest', name };
      else {
        return fail(
          `"{${body}}" binds a variable to "${binding}": mlaas implements {name}, {name=*} and {name=**}, not multi-segment or literal bindings`,
        );
      }
      i = close + 1;
    } else {
      while (i < input.length && !SEGMENT_END.has(input[i] as string)) i++;
      const text = input.slice(start, i);
      if (text === '*') segment = { kind: 'one', name: undefined };
      else if (text === '**') segment = { kind: 'rest', name: undefined };
      else if (text.includes('{') || text.includes('}') || text.startsWith('*')) {
        return fail(
          `"${text}" mixes a literal with a variable or wildcard: a variable must be a whole segment (Google rejects /items/prefix_{id} and /items/overview.{format})`,
        );
      } else segment = { kind: 'literal', text };
    }
    const after = input[i];
    if (after !== undefined && !SEGMENT_END.has(after)) {
      const end = input.indexOf('/', i);
      return fail(`a variable must be a whole segment, got "${input.slice(start, end < 0 ? undefined : end)}"`);
    }
    if (segments.some((s) => s.kind === 'rest')) {
      return fail('"**" (or {name=**}) must be the last segment of the path (Google\'s path-templating rule)');
    }
    segments.push(segment);
  }
  let verb: string | undefined;
  if (input[i] === ':') {
    verb = input.slice(i + 1);
    if (verb === '' || /[/:{}*]/.test(verb)) {
      return fail(`a ":" may only start the custom verb after the last segment (a literal without "/", ":", "{", "}" or "*"), got ":${verb}"`);
    }
  }
  return { ok: true, template: { segments, verb } };
}

/** True when the template has no wildcard: it matches one path (and that path with a trailing "/"). */
export function isExactTemplate(template: PathTemplate): boolean {
  return template.segments.every((s) => s.kind === 'literal');
}

/**
 * The same string for templates that match the same requests (`/a/{x}` and
 * `/a/{y=*}`), so that two operations on them can be reported as one route.
 */
export function templateKey(template: PathTemplate): string {
  const parts = template.segments.map((s) => (s.kind === 'literal' ? `/${s.text}` : s.kind === 'one' ? '/*' : '/**'));
  return (parts.length === 0 ? '/' : parts.join('')) + (template.verb === undefined ? '' : `:${template.verb}`);
}

/**
 * ESPv2's matching order (its http-pattern trie): at the first segment where
 * two templates differ, a literal comes before `*`, which comes before `**`;
 * a template that is a prefix of another comes first, except after `**`,
 * where the longer one (with a verb) comes first. Negative when `a` is tried first.
 */
export function compareTemplates(a: PathTemplate, b: PathTemplate): number {
  const pa = trieParts(a);
  const pb = trieParts(b);
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] as TriePart;
    const y = pb[i] as TriePart;
    if (x.rank !== y.rank) return x.rank - y.rank;
    if (x.text !== y.text) return x.text < y.text ? -1 : 1;
  }
  if (pa.length === pb.length) return 0;
  const shorter = pa.length < pb.length ? pa : pb;
  const lastShared = shorter[shorter.length - 1];
  const shorterFirst = lastShared === undefined || lastShared.rank !== 2;
  return (pa.length < pb.length) === shorterFirst ? -1 : 1;
}

interface TriePart {
  rank: 0 | 1 | 2;
  text: string;
}

function trieParts(t: PathTemplate): TriePart[] {
  const parts: TriePart[] = t.segments.map((s) =>
    s.kind === 'literal' ? { rank: 0, text: s.text } : { rank: s.kind === 'one' ? 1 : 2, text: '' },
  );
  if (t.verb !== undefined) parts.push({ rank: 0, text: t.verb });
  return parts;
}

/**
 * Compiles the gateway document's operations once, at config load, into a
 * lookup that answers "which operation serves METHOD PATH" as ESPv2 does:
 * a path without wildcards matches itself and itself plus one trailing "/"
 * (a map lookup, no allocation); a templated one matches its regular
 * expression (`{x}` one segment, `{x=**}` zero or more, then an optional
 * "/"), tried in ESPv2's order — literal before `*` before `**` at the first
 * segment where two templates differ. The first template that matches and
 * has an operation for the method wins; one that matches without it leaves
 * the request to the next, and a 405 only when none has the method.
 */
import { compareTemplates, isExactTemplate, parsePathTemplate, type PathTemplate } from '../config/path-template.js';

/** What the table routes to: anything with a path template and a method. */
export interface Routable {
  /** Path template, e.g. `/v1/users/{id}`. */
  path: string;
  /** Upper-case HTTP method. */
  method: string;
}

interface PathEntry<T> {
  /** The match result of each method, built once: an exact path's request allocates none. */
  byMethod: Map<string, Found<T>>;
  /** `Allow` header value for a 405, built once. */
  allow: string;
}

interface TemplateEntry<T> extends PathEntry<T> {
  template: PathTemplate;
  pattern: RegExp;
  /** The variable bound by each capture group, in order. */
  names: readonly string[];
  /** The capture group (1-based) of a `{name=**}` at the end, whose trailing "/"s are not part of the value; 0 if none. */
  restGroup: number;
}

interface Found<T> {
  kind: 'found';
  route: T;
  params: Record<string, string> | undefined;
}

export type RouteMatch<T> =
  | Found<T>
  | { kind: 'method-not-allowed'; allow: string }
  | { kind: 'not-found' };

const NOT_FOUND = { kind: 'not-found' } as const;

export interface RouteTable<T> {
  match(method: string, path: string): RouteMatch<T>;
}

/**
 * @example
 * const table = compileRoutes(doc.operations);
 * table.match('POST', '/v1/spam-filter/predict'); // { kind: 'found', route: op, params }
 */
export function compileRoutes<T extends Routable>(routes: readonly T[]): RouteTable<T> {
  const exact = new Map<string, PathEntry<T>>();
  const templated = new Map<string, TemplateEntry<T>>();

  for (const route of routes) {
    const parsed = parsePathTemplate(route.path);
    // The document's loader refuses these with their path; reaching here is a bug.
    if (!parsed.ok) throw new Error(`route ${route.method} ${route.path}: ${parsed.message}`);
    let entry: PathEntry<T> | undefined;
    if (isExactTemplate(parsed.template)) {
      const [path, withSlash] = exactPaths(parsed.template);
      entry = exact.get(path);
      if (entry === undefined) {
        entry = { byMethod: new Map(), allow: '' };
        exact.set(path, entry);
        if (withSlash !== path) exact.set(withSlash, entry);
      }
    } else {
      entry = templated.get(route.path);
      if (entry === undefined) {
        const t: TemplateEntry<T> = { byMethod: new Map(), allow: '', ...templateMatcher(parsed.template) };
        templated.set(route.path, t);
        entry = t;
      }
    }
    if (!entry.byMethod.has(route.method)) entry.byMethod.set(route.method, Object.freeze({ kind: 'found', route, params: undefined }));
    entry.allow = [...entry.byMethod.keys()].join(', ');
  }
  const templates = [...templated.values()].sort((a, b) => compareTemplates(a.template, b.template));

  return {
    match(method, path) {
      const hit = exact.get(path);
      let refused: PathEntry<T>[] | undefined;
      if (hit !== undefined) {
        const found = routeFor(hit, method);
        if (found !== undefined) return found;
        refused = [hit];
      }
      for (const t of templates) {
        const m = t.pattern.exec(path);
        if (m === null) continue;
        const found = routeFor(t, method);
        if (found === undefined) {
          (refused ??= []).push(t);
          continue;
        }
        const params = paramsOf(t, m);
        return params === undefined ? found : { kind: 'found', route: found.route, params };
      }
      if (refused === undefined) return NOT_FOUND;
      return { kind: 'method-not-allowed', allow: refused.length === 1 ? (refused[0] as PathEntry<T>).allow : unionAllow(refused) };
    },
  };
}

function routeFor<T>(entry: PathEntry<T>, method: string): Found<T> | undefined {
  // HEAD is served by a GET operation, as HTTP expects.
  return entry.byMethod.get(method) ?? (method === 'HEAD' ? entry.byMethod.get('GET') : undefined);
}

function unionAllow(entries: readonly PathEntry<unknown>[]): string {
  const methods = new Set<string>();
  for (const e of entries) for (const m of e.byMethod.keys()) methods.add(m);
  return [...methods].join(', ');
}

/** The path an exact template matches, and the same with ESPv2's optional trailing "/" (before a verb). */
export function exactPaths(t: PathTemplate): [string, string] {
  if (t.segments.length === 0) return ['/', '/'];
  const base = t.segments.map((s) => `/${s.kind === 'literal' ? s.text : ''}`).join('');
  const verb = t.verb === undefined ? '' : `:${t.verb}`;
  return [base + verb, `${base}/${verb}`];
}

/** ESPv2's regular expression for a template (httppattern.UriTemplate.Regex), with a group per variable. */
export function templateMatcher(t: PathTemplate): Pick<TemplateEntry<unknown>, 'template' | 'pattern' | 'names' | 'restGroup'> {
  let source = '';
  const names: string[] = [];
  let restGroup = 0;
  for (const s of t.segments) {
    source += '/';
    if (s.kind === 'literal') {
      source += escapeRegExp(s.text);
      continue;
    }
    const group = s.kind === 'one' ? '[^/]+' : '.*';
    if (s.name === undefined) {
      source += group;
      continue;
    }
    source += `(${group})`;
    names.push(s.name);
    if (s.kind === 'rest' && t.verb === undefined) restGroup = names.length;
  }
  source += '/?';
  if (t.verb !== undefined) source += `:${escapeRegExp(t.verb)}`;
  return { template: t, pattern: new RegExp(`^${source}$`), names, restGroup };
}

/**
 * The variables' values as the caller wrote them (not decoded: `%2F` stays,
 * as ESPv2 passes them on). A trailing `{name=**}` leaves out the trailing
 * "/"s the optional slash let through, as ESPv2's path matcher drops empty
 * trailing segments.
 */
function paramsOf(t: TemplateEntry<unknown>, m: RegExpExecArray): Record<string, string> | undefined {
  if (t.names.length === 0) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.names.length; i++) {
    let value = m[i + 1] ?? '';
    if (i + 1 === t.restGroup) value = value.replace(/\/+$/, '');
    params[t.names[i] as string] = value;
  }
  return params;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

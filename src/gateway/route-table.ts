/**
 * Compiles the gateway document's operations once, at config load, into a
 * lookup that answers "which operation serves METHOD PATH" without allocating
 * for static paths: an exact-path map first, then templated paths in the
 * document's order (Google API Gateway also prefers the literal match).
 */

/** What the table routes to: anything with a path template and a method. */
export interface Routable {
  /** Path template, e.g. `/v1/users/{id}`. */
  path: string;
  /** Upper-case HTTP method. */
  method: string;
}

interface PathEntry<T> {
  byMethod: Map<string, T>;
  /** `Allow` header value for a 405, built once. */
  allow: string;
}

interface TemplateEntry<T> extends PathEntry<T> {
  pattern: RegExp;
  paramNames: readonly string[];
}

export type RouteMatch<T> =
  | { kind: 'found'; route: T; params: Record<string, string> | undefined }
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
    const paramNames = templateParams(route.path);
    let entry: PathEntry<T> | undefined;
    if (paramNames.length === 0) {
      entry = exact.get(route.path) ?? { byMethod: new Map(), allow: '' };
      exact.set(route.path, entry);
    } else {
      let t = templated.get(route.path);
      if (t === undefined) {
        t = { byMethod: new Map(), allow: '', pattern: templatePattern(route.path), paramNames };
        templated.set(route.path, t);
      }
      entry = t;
    }
    entry.byMethod.set(route.method, route);
    entry.allow = [...entry.byMethod.keys()].join(', ');
  }
  const templates = [...templated.values()];

  return {
    match(method, path) {
      const hit = exact.get(path);
      if (hit !== undefined) return pick(hit, method, undefined);
      for (const t of templates) {
        const m = t.pattern.exec(path);
        if (m === null) continue;
        const params: Record<string, string> = {};
        t.paramNames.forEach((name, i) => {
          params[name] = safeDecode(m[i + 1] ?? '');
        });
        return pick(t, method, params);
      }
      return NOT_FOUND;
    },
  };
}

function pick<T>(entry: PathEntry<T>, method: string, params: Record<string, string> | undefined): RouteMatch<T> {
  // HEAD is served by a GET operation, as HTTP expects.
  const route = entry.byMethod.get(method) ?? (method === 'HEAD' ? entry.byMethod.get('GET') : undefined);
  if (route === undefined) return { kind: 'method-not-allowed', allow: entry.allow };
  return { kind: 'found', route, params };
}

function templateParams(template: string): string[] {
  return [...template.matchAll(/\{([^}=]+)(?:=[^}]*)?\}/g)].map((m) => m[1] ?? '');
}

/** `{name}` matches one path segment; `{name=**}` matches the rest of the path. */
function templatePattern(template: string): RegExp {
  let source = '';
  let last = 0;
  for (const m of template.matchAll(/\{([^}=]+)(=[^}]*)?\}/g)) {
    source += escapeRegExp(template.slice(last, m.index));
    source += m[2] === '=**' ? '(.+)' : '([^/]+)';
    last = m.index + m[0].length;
  }
  source += escapeRegExp(template.slice(last));
  return new RegExp(`^${source}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

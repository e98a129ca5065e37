/**
 * The admin API's router: a table of method + path pattern → handler, with
 * the body and query schemas each route accepts. The server validates input
 * against them before a handler runs, so handlers see typed, checked values.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { ConsoleSession } from './console-sessions.js';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequest<B = unknown, Q = unknown> {
  /** Path parameters by name (`/v1/keys/:id` → `params.id`), URL-decoded. */
  params: Record<string, string>;
  body: B;
  query: Q;
  /** The uploaded bytes of a route with `rawLimitBytes`. */
  raw?: Buffer;
  /** The web console's session, when the request came with its cookie. */
  session?: ConsoleSession | undefined;
  /** The request's headers, for a route that checks a credential of its own (a public route). */
  headers?: IncomingHttpHeaders;
}

export interface AdminReply {
  status: number;
  /** Sent as JSON; omitted for 204. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is with its content type instead of `body` as JSON: the Prometheus text of `/metrics`. */
  text?: { contentType: string; content: string };
  /**
   * An answer written as it comes (`mlaas logs --follow`): `run` writes with
   * `write` until it resolves, or until `signal` aborts because the client left.
   */
  stream?: { contentType: string; run: (write: (chunk: string) => void, signal: AbortSignal) => Promise<void> };
  /**
   * A long action that reports progress: sent as `application/x-ndjson`, one
   * line per emitted event, then `{"result": …}` with what it resolves to or
   * `{"error": problem}` if it throws.
   */
  events?: (emit: (event: object) => void) => Promise<unknown>;
}

export interface AdminRouteSpec<B, Q> {
  method: AdminMethod;
  /** `/v1/tenants/:id/keys`: a `:name` segment matches one non-empty path segment. */
  path: string;
  /** When given, the request body is read, parsed as JSON (empty counts as `{}`) and checked. */
  body?: z.ZodType<B>;
  /** When given, the query string (as an object of strings) is checked. */
  query?: z.ZodType<Q>;
  /** When given, the body is not JSON but bytes (an upload) of at most this size, handed over as `raw`. */
  rawLimitBytes?: number;
  handle: (req: AdminRequest<B, Q>) => AdminReply | Promise<AdminReply>;
}

export interface AdminRoute {
  method: AdminMethod;
  path: string;
  body: z.ZodType | undefined;
  query: z.ZodType | undefined;
  rawLimitBytes: number | undefined;
  handle: (req: AdminRequest) => AdminReply | Promise<AdminReply>;
  pattern: RegExp;
  names: string[];
}

/**
 * Compiles one table entry.
 *
 * @example
 * defineRoute({ method: 'GET', path: '/v1/keys/:id', handle: ({ params }) => ({ status: 200, body: params.id }) });
 */
export function defineRoute<B = undefined, Q = undefined>(spec: AdminRouteSpec<B, Q>): AdminRoute {
  const names: string[] = [];
  const source = spec.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return {
    method: spec.method,
    path: spec.path,
    body: spec.body,
    query: spec.query,
    rawLimitBytes: spec.rawLimitBytes,
    handle: spec.handle as (req: AdminRequest) => AdminReply | Promise<AdminReply>,
    pattern: new RegExp(`^${source}$`),
    names,
  };
}

/** The route for a method and path with its decoded parameters, or undefined. */
export function matchRoute(
  routes: readonly AdminRoute[],
  method: string,
  pathname: string,
): { route: AdminRoute; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(pathname);
    if (match === null) continue;
    const params: Record<string, string> = {};
    try {
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1] ?? '');
      });
    } catch {
      // A malformed %-escape names nothing that could exist.
      return undefined;
    }
    return { route, params };
  }
  return undefined;
}

/**
 * A route of a service: method, exact path, an optional zod schema for the
 * JSON body, and the handler. `route()` only exists so that the handler's
 * `body` is typed from the schema.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { TenantContext } from './tenant-context.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext<Body> extends TenantContext {
  /** The request body, parsed and validated by the route's schema (`undefined` without one). */
  body: Body;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

type BodyOf<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDefinition<S extends z.ZodType | undefined> {
  method: HttpMethod;
  /** Exact path, e.g. `/predict`. */
  path: string;
  /** Schema of the JSON body; a body that fails it is answered 400 with each bad field. */
  body?: S;
  /** Schema of the 200 answer, published in `/openapi.json` only (not enforced). */
  response?: z.ZodType;
  summary?: string;
  /** Returns the 200 JSON body, or `reply(status, body, headers)` for anything else. */
  handler: (ctx: RouteContext<BodyOf<S>>) => unknown;
}

/** A route with its body type erased, as the service holds it. */
export interface Route {
  method: HttpMethod;
  path: string;
  body?: z.ZodType | undefined;
  response?: z.ZodType | undefined;
  summary?: string | undefined;
  handler: (ctx: RouteContext<unknown>) => unknown;
}

/**
 * Declares a route.
 *
 * @example
 * route({
 *   method: 'POST',
 *   path: '/predict',
 *   body: z.object({ text: z.string().min(1) }),
 *   handler: async ({ body, tenant }) => ({ label: classify(body.text), tenant }),
 * })
 */
export function route<S extends z.ZodType | undefined = undefined>(definition: RouteDefinition<S>): Route {
  if (!definition.path.startsWith('/')) {
    throw new Error(`route ${definition.method} ${definition.path}: path must start with "/"`);
  }
  return definition as Route;
}

/**
 * Turns a service's routes into one node:http request listener: match the
 * route, read and validate the body, call the handler, and map every failure
 * to problem+json in this one place. A handler's stack trace goes to the log,
 * never into an answer.
 *
 * A request costs what its route needs and little more: one async step per
 * request, the handler's context built in one object, and an answer's head
 * handed to Node as one flat list (which it writes as it is) unless the
 * handler or the error adds headers of its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { CONFIG_HEADER, REQUEST_ID_HEADER, REVISION_HEADER, TENANT_HEADER } from '../api/service-contract.js';
import { MlaasError, PROBLEM_CONTENT_TYPE, type FieldIssue } from '../errors.js';
import { errorFields, type LogLine } from './log-to-stderr.js';
import { readJsonBody } from './read-json-body.js';
import { Reply } from './reply.js';
import type { Route, RouteContext } from './route.js';
import { configOf, requestIdOf, single } from './tenant-context.js';

export interface RequestHandlerOptions {
  routes: readonly Route[];
  bodyLimitBytes: number;
  /** Answers `GET /healthz`: 200 only while this returns true. */
  isReady: () => boolean;
  openApi: unknown;
  /** True once shutdown began: every answer then closes its connection. */
  draining: () => boolean;
  log: LogLine;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    // zod prefixes its built-in messages with a generic phrase that says nothing about the field.
    message: issue.message.replace(/^Invalid input: /, ''),
  }));
}

/** Compiles the routes into a path → method → route table once, at start-up. */
function routeTable(routes: readonly Route[]): Map<string, Map<string, Route>> {
  const table = new Map<string, Map<string, Route>>();
  for (const r of routes) {
    if (r.path === '/healthz' || r.path === '/openapi.json') {
      throw new Error(`route ${r.method} ${r.path}: this path is served by the SDK itself`);
    }
    const byMethod = table.get(r.path) ?? new Map<string, Route>();
    if (byMethod.has(r.method)) throw new Error(`route ${r.method} ${r.path} is declared twice`);
    byMethod.set(r.method, r);
    table.set(r.path, byMethod);
  }
  return table;
}

function hasKeys(headers: Readonly<Record<string, string>> | undefined): headers is Readonly<Record<string, string>> {
  if (headers === undefined) return false;
  for (const _ in headers) return true;
  return false;
}

export function createRequestHandler(options: RequestHandlerOptions) {
  const table = routeTable(options.routes);
  const openApiPayload = JSON.stringify(options.openApi);

  /**
   * Writes a whole answer. Headers of the handler's `reply()` or of the
   * error go after the SDK's and win over them, as an object spread would
   * have it; without any, the head is a flat list. While draining, every
   * answer closes its connection, so that no idle keep-alive socket holds
   * the shutdown open.
   */
  function answer(
    res: ServerResponse,
    status: number,
    contentType: string,
    payload: string | undefined,
    requestId: string,
    extra: Readonly<Record<string, string>> | undefined,
    close = false,
  ): void {
    const closing = close || options.draining();
    if (hasKeys(extra)) {
      const head: Record<string, string> =
        payload === undefined ? { 'x-request-id': requestId } : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)), 'x-request-id': requestId };
      if (closing) head['connection'] = 'close';
      res.writeHead(status, { ...head, ...extra }).end(payload);
      return;
    }
    const head =
      payload === undefined
        ? ['x-request-id', requestId]
        : ['content-type', contentType, 'content-length', String(Buffer.byteLength(payload)), 'x-request-id', requestId];
    if (closing) head.push('connection', 'close');
    res.writeHead(status, head).end(payload);
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string, extra?: Readonly<Record<string, string>>): void {
    answer(res, status, JSON_CONTENT_TYPE, body === undefined ? undefined : JSON.stringify(body), requestId, extra);
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown, requestId: string): void {
    if (res.destroyed) {
      // The client hung up (e.g. mid-body): nobody to answer, and not the handler's fault.
      options.log({ level: 'info', msg: 'client closed the connection', requestId, err: errorFields(err) });
      return;
    }
    if (res.headersSent) {
      res.destroy();
      options.log({ level: 'error', msg: 'failed after the answer started', requestId, err: errorFields(err) });
      return;
    }
    let error: MlaasError;
    if (err instanceof MlaasError) {
      error = err;
    } else {
      options.log({ level: 'error', msg: 'handler failed', requestId, method: req.method, path: req.url, err: errorFields(err) });
      error = new MlaasError('SDK_HANDLER_FAILED', 'the handler failed; see the service log');
    }
    // The client may still be sending a body we refused; close rather than read it.
    const close = error.code === 'SDK_BODY_TOO_LARGE';
    answer(res, error.status, PROBLEM_CONTENT_TYPE, JSON.stringify(error.toProblem(requestId)), requestId, error.headers, close);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, r: Route, requestId: string, url: string, queryAt: number): Promise<void> {
    try {
      let body: unknown;
      if (r.body !== undefined) {
        const parsed = r.body.safeParse(await readJsonBody(req, options.bodyLimitBytes));
        if (!parsed.success) {
          const errors = issuesOf(parsed.error);
          throw new MlaasError('SDK_BODY_INVALID', `request body has ${errors.length} invalid field(s)`, { errors });
        }
        body = parsed.data;
      } else {
        req.resume();
      }
      const headers = req.headers;
      const context: RouteContext<unknown> = {
        requestId,
        tenant: single(headers[TENANT_HEADER]),
        config: configOf(single(headers[CONFIG_HEADER])),
        revision: single(headers[REVISION_HEADER]),
        body,
        query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
        headers,
      };
      const result = await r.handler(context);
      if (result instanceof Reply) sendJson(res, result.status, result.body, requestId, result.headers);
      else sendJson(res, result === undefined ? 204 : 200, result, requestId);
    } catch (err) {
      fail(req, res, err, requestId);
    }
  }

  return function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/healthz') {
      const ready = options.isReady();
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : 'not-ready' }, requestId);
      return Promise.resolve();
    }
    if (method === 'GET' && path === '/openapi.json') {
      answer(res, 200, JSON_CONTENT_TYPE, openApiPayload, requestId, undefined);
      return Promise.resolve();
    }
    const byMethod = table.get(path);
    const r = byMethod?.get(method);
    if (r !== undefined) return serve(req, res, r, requestId, url, queryAt);
    if (byMethod === undefined) {
      fail(req, res, new MlaasError('SDK_ROUTE_NOT_FOUND', `no route for ${method} ${path}`), requestId);
    } else {
      const allow = [...byMethod.keys()].join(', ');
      fail(req, res, new MlaasError('SDK_METHOD_NOT_ALLOWED', `${path} accepts ${allow}, got ${method}`, { headers: { allow } }), requestId);
    }
    return Promise.resolve();
  };
}

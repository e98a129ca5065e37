/**
 * Turns a service's routes into one node:http request listener: match the
 * route, read and validate the body, call the handler, and map every failure
 * to problem+json in this one place. A handler's stack trace goes to the log,
 * never into an answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { MlaasError, PROBLEM_CONTENT_TYPE, type FieldIssue } from '../errors.js';
import { errorFields, type LogLine } from './log-to-stderr.js';
import { readJsonBody } from './read-json-body.js';
import { Reply } from './reply.js';
import type { Route } from './route.js';
import { tenantContextOf, type TenantContext } from './tenant-context.js';

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

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    // zod prefixes its built-in messages with a generic phrase that says nothing about the field.
    message: issue.message.replace(/^Invalid input: /, ''),
  }));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const payload = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(payload)),
      ...headers,
    })
    .end(payload);
}

function sendProblem(res: ServerResponse, error: MlaasError, requestId: string): void {
  const payload = JSON.stringify(error.toProblem(requestId));
  res
    .writeHead(error.status, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(payload)),
      'x-request-id': requestId,
      ...error.headers,
    })
    .end(payload);
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

export function createRequestHandler(options: RequestHandlerOptions) {
  const table = routeTable(options.routes);
  const openApiPayload = JSON.stringify(options.openApi);

  async function dispatch(req: IncomingMessage, res: ServerResponse, context: TenantContext): Promise<void> {
    const { requestId } = context;
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/healthz') {
      const ready = options.isReady();
      send(res, ready ? 200 : 503, { status: ready ? 'ok' : 'not-ready' }, { 'x-request-id': requestId });
      return;
    }
    if (method === 'GET' && path === '/openapi.json') {
      res
        .writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(openApiPayload)),
          'x-request-id': requestId,
        })
        .end(openApiPayload);
      return;
    }
    const byMethod = table.get(path);
    if (byMethod === undefined) {
      throw new MlaasError('SDK_ROUTE_NOT_FOUND', `no route for ${method} ${path}`);
    }
    const r = byMethod.get(method);
    if (r === undefined) {
      const allow = [...byMethod.keys()].join(', ');
      throw new MlaasError('SDK_METHOD_NOT_ALLOWED', `${path} accepts ${allow}, got ${method}`, {
        headers: { allow },
      });
    }

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

    const result = await r.handler({
      ...context,
      body,
      query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
      headers: req.headers,
    });
    if (result instanceof Reply) {
      send(res, result.status, result.body, { 'x-request-id': requestId, ...result.headers });
    } else {
      send(res, result === undefined ? 204 : 200, result, { 'x-request-id': requestId });
    }
  }

  return async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const context = tenantContextOf(req.headers);
    const { requestId } = context;
    if (options.draining()) res.setHeader('connection', 'close');
    try {
      await dispatch(req, res, context);
    } catch (err) {
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
      if (err instanceof MlaasError) {
        // The client may still be sending a body we refused; close rather than read it.
        if (err.code === 'SDK_BODY_TOO_LARGE') res.setHeader('connection', 'close');
        sendProblem(res, err, requestId);
        return;
      }
      options.log({
        level: 'error',
        msg: 'handler failed',
        requestId,
        method: req.method,
        path: req.url,
        err: errorFields(err),
      });
      sendProblem(res, new MlaasError('SDK_HANDLER_FAILED', 'the handler failed; see the service log'), requestId);
    }
  };
}

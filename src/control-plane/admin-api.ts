/**
 * The control plane's admin API: a node:http server the CLI and console talk
 * to. Every route needs the admin bearer token or the console's session
 * (see admin-auth.ts), but for the few published to anyone (the gateway's
 * public keys, the console's sign-in); input is checked against the
 * route's zod schemas; every error leaves as application/problem+json, made
 * in exactly one place (`problemFor`), never with a stack trace.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { z } from 'zod';
import { MlaasError, PROBLEM_CONTENT_TYPE, problemOf, type ErrorCode, type Problem } from '../errors.js';
import { describeIssue, fieldIssuesOf } from '../api/zod-issues.js';
import { ADMIN_LISTENER, createHttpServer, type ConnectionLimits } from '../http/index.js';
import { assertJsonDepth } from '../json-depth.js';
import { assertAllowed, digest, identifyCaller } from './admin-auth.js';
import { matchRoute, type AdminReply, type AdminRoute } from './admin-router.js';
import { adminRoutes, type AdminChange } from './admin-routes.js';
import { keyRoutes } from './admin-routes-keys.js';
import { tenancyRoutes } from './admin-routes-tenancy.js';
import { CONSOLE_SECURITY_HEADERS, consoleRoutes } from './console-routes.js';
import { ConsoleSessions, type ConsoleSession } from './console-sessions.js';
import type { StateStore } from '../state/state-store.js';

export const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

/** What the server logs: a pino logger fits. */
export interface AdminLogger {
  error(obj: object, msg?: string): void;
}

export interface AdminServerOptions {
  store: StateStore;
  token: string;
  /** Timeouts and cap of the admin listener's connections (`controlPlane.connections`), apart from the gateway's. */
  connections?: Partial<ConnectionLimits>;
  /** The answer to `GET /v1/status`. */
  status: () => unknown;
  /** Called after a mutation commits, so the gateway can rebuild its maps. */
  onChange: (what: AdminChange) => void;
  logger?: AdminLogger;
  now?: () => Date;
  /** Routes of parts wired in by the composition root (revisions, models…). */
  routes?: readonly AdminRoute[];
  /** Routes served without the admin token: what the platform publishes, such as `/.well-known/jwks.json`. */
  publicRoutes?: readonly AdminRoute[];
  /** The web console at `/`, with its bundle in this folder; no console when absent. */
  console?: { assetsDir: string };
  /**
   * Awaited before the answer to a change (an authenticated POST, PUT, PATCH
   * or DELETE) goes out: the gateways in other processes apply it first, so
   * the caller's next request meets it everywhere. It bounds its own wait and never rejects.
   */
  settle?: () => Promise<void>;
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Builds the admin server; the caller decides where it listens.
 *
 * @example
 * const server = createAdminServer({ store, token, status: () => ({ ok: true }), onChange: () => {} });
 * server.listen(8081, '127.0.0.1');
 */
export function createAdminServer(options: AdminServerOptions): http.Server {
  const deps = { ...options, now: options.now ?? (() => new Date()) };
  const tokenDigest = digest(options.token);
  const sessions = new ConsoleSessions();
  const web = options.console === undefined ? { open: [], signedIn: [] } : consoleRoutes({ sessions, tokenDigest, assetsDir: options.console.assetsDir });
  const routes: readonly AdminRoute[] = [...adminRoutes(deps), ...keyRoutes(deps), ...tenancyRoutes(deps), ...web.signedIn, ...(options.routes ?? [])];
  const publicRoutes = [...(options.publicRoutes ?? []), ...web.open];

  return createHttpServer({ listener: ADMIN_LISTENER, limits: options.connections }, (req, res) => {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) res.setHeader(name, value);
    void handle(req, routes, publicRoutes, tokenDigest, sessions)
      .then(async ({ reply, open }) => {
        if (options.settle === undefined || open || !CHANGES.has(req.method ?? '') || reply.stream !== undefined) return reply;
        if (reply.events === undefined) {
          if (reply.status < 400) await options.settle();
          return reply;
        }
        const events = reply.events;
        const settle = options.settle;
        return {
          ...reply,
          events: async (emit: (event: object) => void) => {
            const result = await events(emit);
            await settle();
            return result;
          },
        };
      })
      .then((reply) => {
        if (reply.stream !== undefined) return sendStream(res, reply.stream, requestId, options.logger);
        return reply.events === undefined ? sendReply(res, reply) : sendEvents(res, reply.events, requestId, options.logger);
      })
      .catch((err: unknown) => sendError(res, err, requestId, options.logger));
  });
}

async function handle(
  req: http.IncomingMessage,
  routes: readonly AdminRoute[],
  publicRoutes: readonly AdminRoute[],
  tokenDigest: Buffer,
  sessions: ConsoleSessions,
): Promise<{ reply: AdminReply; open: boolean }> {
  // Prefixing keeps `//x` and absolute-form targets from being read as a host: they just match no route.
  const url = new URL(`http://admin${req.url?.startsWith('/') ? req.url : '/'}`);
  const method = req.method ?? 'GET';
  const caller = identifyCaller(req, tokenDigest, sessions);
  const open = matchRoute(publicRoutes, method, url.pathname);
  if (open === undefined) assertAllowed(req, caller);
  const matched = open ?? matchRoute(routes, method, url.pathname);
  if (matched === undefined) throw new MlaasError('ADMIN_ROUTE_NOT_FOUND', `no admin route for ${method} ${url.pathname}`);
  const session = caller?.kind === 'session' ? caller.session : undefined;
  return { reply: await dispatch(req, url, matched, session), open: open !== undefined };
}

async function dispatch(
  req: http.IncomingMessage,
  url: URL,
  { route, params }: { route: AdminRoute; params: Record<string, string> },
  session: ConsoleSession | undefined,
): Promise<AdminReply> {
  const headers = req.headers;
  const query = route.query ? check(route.query, Object.fromEntries(url.searchParams), 'ADMIN_QUERY_INVALID', 'query') : undefined;
  if (route.rawLimitBytes !== undefined) {
    return route.handle({ params, query, body: undefined, raw: await readBody(req, route.rawLimitBytes), session, headers });
  }
  if (route.body === undefined) {
    // A route that takes no body still runs only once the request has arrived whole: a broken body then
    // gets its 400 and changes nothing, instead of racing a handler that acts on the head alone.
    await readBody(req, ADMIN_BODY_LIMIT_BYTES);
    return route.handle({ params, query, body: undefined, session, headers });
  }
  return route.handle({ params, query, body: check(route.body, await readJsonBody(req), 'ADMIN_BODY_INVALID', 'body'), session, headers });
}

function check(schema: z.ZodType, value: unknown, code: ErrorCode, what: string): unknown {
  const result = schema.safeParse(value, { error: describeIssue, reportInput: true });
  if (result.success) return result.data;
  const errors = fieldIssuesOf(result.error);
  throw new MlaasError(code, `${what} has ${errors.length} error${errors.length === 1 ? '' : 's'}`, { errors });
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, ADMIN_BODY_LIMIT_BYTES)).toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MlaasError('ADMIN_JSON_MALFORMED', `request body is not valid JSON: ${(err as Error).message}`);
  }
  // Before the schema: the store, flagd and the gateway serialise what is accepted, and would overflow the stack on it.
  assertJsonDepth(value, 'ADMIN_BODY_INVALID');
  return value;
}

/**
 * Collects the body up to the limit. Past it, rejects but keeps reading and
 * discarding, so the client gets the 413 rather than a reset connection.
 */
function readBody(req: http.IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
      req.resume();
      reject(tooLarge(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        chunks.length = 0;
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limitBytes: number): MlaasError {
  return new MlaasError('ADMIN_BODY_TOO_LARGE', `request body exceeds ${limitBytes} bytes`, {
    headers: { connection: 'close' },
  });
}

function sendReply(res: http.ServerResponse, reply: AdminReply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { 'content-type': reply.text.contentType, 'content-length': Buffer.byteLength(reply.text.content) });
    res.end(reply.text.content);
    return;
  }
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

const NDJSON = 'application/x-ndjson';

/** Streams an answer until its writer is done or the client leaves; a failure midway cuts the connection. */
async function sendStream(
  res: http.ServerResponse,
  stream: NonNullable<AdminReply['stream']>,
  requestId: string,
  logger: AdminLogger | undefined,
): Promise<void> {
  const left = new AbortController();
  res.once('close', () => left.abort());
  res.writeHead(200, { 'content-type': stream.contentType, 'cache-control': 'no-store' });
  // The head goes out now: a follower that has nothing yet still learns the stream started.
  res.flushHeaders();
  try {
    await stream.run((chunk) => {
      if (!res.destroyed) res.write(chunk);
    }, left.signal);
  } catch (err) {
    logger?.error({ err, requestId }, 'admin stream failed');
    res.destroy();
    return;
  }
  res.end();
}

/**
 * The trailer of a progress stream that carries the action's own status: the
 * stream's head (200) went out with the first progress line, before the
 * outcome was known. Its last line says the same (`result` or `error`).
 */
export const STATUS_TRAILER = 'x-mlaas-status';

/** True when the client lists application/x-ndjson in Accept (with a q above 0). */
function wantsProgress(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    return type === NDJSON && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/**
 * Answers a long action (models push, deploy, alias rollout). A client that
 * asks for progress (`Accept: application/x-ndjson`, as the CLI does) gets
 * NDJSON from the first progress event on: one line per event, then
 * `{"result": …}` or `{"error": problem}`, and the status in the
 * `x-mlaas-status` trailer. Any other client (curl, a plain fetch) waits and
 * gets what a short request gets: the result as JSON, or the problem with its
 * status. Either way, what fails before the first event (validation, a model
 * file that is not one) answers as a problem with its real status.
 */
async function sendEvents(
  res: http.ServerResponse,
  run: NonNullable<AdminReply['events']>,
  requestId: string,
  logger: AdminLogger | undefined,
): Promise<void> {
  const progress = wantsProgress(res.req.headers.accept);
  res.setHeader('vary', 'accept');
  const line = (event: object): void => {
    if (!res.headersSent) res.writeHead(200, { 'content-type': NDJSON, 'cache-control': 'no-store', trailer: STATUS_TRAILER });
    res.write(`${JSON.stringify(event)}\n`);
  };
  let result: unknown;
  try {
    result = await run((event) => {
      if (progress && !res.destroyed) line(event);
    });
  } catch (err) {
    if (!res.headersSent) {
      sendError(res, err, requestId, logger);
      return;
    }
    const { problem } = problemFor(err, requestId, logger);
    line({ error: problem });
    res.addTrailers({ [STATUS_TRAILER]: String(problem.status) });
    res.end();
    return;
  }
  if (!progress) {
    sendReply(res, { status: 200, body: result });
    return;
  }
  line({ result });
  res.addTrailers({ [STATUS_TRAILER]: '200' });
  res.end();
}

/** The problem+json body (and headers) for anything thrown; logs what is the control plane's fault. */
function problemFor(err: unknown, requestId: string, logger: AdminLogger | undefined): { problem: Problem; headers: Record<string, string> } {
  const known = err instanceof MlaasError ? err : undefined;
  if (known === undefined || known.status >= 500) logger?.error({ err, requestId }, 'admin request failed');
  const problem = known ? known.toProblem(requestId) : problemOf('ADMIN_INTERNAL', 'the control plane failed to answer; see its log', { requestId });
  return { problem, headers: known?.headers ?? {} };
}

function sendError(res: http.ServerResponse, err: unknown, requestId: string, logger: AdminLogger | undefined): void {
  const { problem, headers } = problemFor(err, requestId, logger);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  const payload = JSON.stringify(problem);
  res.writeHead(problem.status, { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

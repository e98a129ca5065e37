/**
 * The gateway's OpenTelemetry spans: a server span for each request it
 * handles, continuing the caller's `traceparent`, and a client span for each
 * attempt to send it to a backend, whose id is the `traceparent` the backend
 * gets, so that a service's own spans nest under it. Attributes follow OTel's
 * HTTP semantic conventions, plus mlaas's own (`mlaas.service`, …). The
 * gateway makes one only when it was given a tracer: without one, nothing of
 * this runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { TRACEPARENT } from './trace-context.js';

/** mlaas's own span attributes; the gateway sets tenant and revision on the server span as it learns them. */
export const ATTR_MLAAS_SERVICE = 'mlaas.service';
export const ATTR_MLAAS_REVISION = 'mlaas.revision';
export const ATTR_MLAAS_TENANT = 'mlaas.tenant';
export const ATTR_MLAAS_INSTANCE = 'mlaas.instance';
export const ATTR_MLAAS_REQUEST_ID = 'mlaas.request_id';

/** The methods HTTP semantic conventions name; any other is reported as `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);

/** One request's server span and the context its client spans start in. */
export interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
  readonly method: string;
  /** `traceparent` naming the server span. */
  readonly traceparent: string;
}

/** One attempt to send a request to a backend. */
export interface BackendAttempt {
  readonly span: Span;
  /** `traceparent` naming this client span: what the backend gets. */
  readonly traceparent: string;
}

export class GatewayTracing {
  readonly #tracer: Tracer;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** Starts the server span of a request, as a child of the caller's span when it sent a well-formed `traceparent`. */
  start(req: IncomingMessage, requestId: string): RequestTrace {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const parent = callerContext(req.headers['traceparent'], req.headers['tracestate']);
    const sent = req.method ?? 'GET';
    const method = KNOWN_METHODS.has(sent) ? sent : '_OTHER';
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_PATH]: q < 0 ? url : url.slice(0, q),
      [ATTR_URL_SCHEME]: (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http',
      [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
      [ATTR_MLAAS_REQUEST_ID]: requestId,
    };
    if (method !== sent) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = sent;
    const host = req.headers.host;
    if (host !== undefined) {
      const { address, port } = hostAndPort(host);
      attributes[ATTR_SERVER_ADDRESS] = address;
      if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
    }
    const client = req.socket.remoteAddress;
    if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
    const agent = req.headers['user-agent'];
    if (agent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = agent;
    const span = this.#tracer.startSpan(method === '_OTHER' ? 'HTTP' : method, { kind: SpanKind.SERVER, attributes }, parent);
    return { span, context: trace.setSpan(parent, span), method, traceparent: traceparentOf(span.spanContext()) };
  }

  /** The request matched an operation of the gateway document. */
  matched(t: RequestTrace, route: string, service: string | undefined): void {
    t.span.updateName(t.method === '_OTHER' ? `HTTP ${route}` : `${t.method} ${route}`);
    t.span.setAttribute(ATTR_HTTP_ROUTE, route);
    if (service !== undefined) t.span.setAttribute(ATTR_MLAAS_SERVICE, service);
  }

  /** Starts the client span of one attempt to send the request to a backend (`resends`: attempts before this one). */
  attempt(t: RequestTrace, origin: string, path: string, instance: string | undefined, resends: number): BackendAttempt {
    const url = new URL(origin);
    const q = path.indexOf('?');
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: t.method,
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
      // Without the query: it may carry what the caller meant for the backend alone.
      [ATTR_URL_FULL]: origin + (q < 0 ? path : path.slice(0, q)),
    };
    if (resends > 0) attributes[ATTR_HTTP_REQUEST_RESEND_COUNT] = resends;
    if (instance !== undefined) attributes[ATTR_MLAAS_INSTANCE] = instance;
    const span = this.#tracer.startSpan(t.method === '_OTHER' ? 'HTTP' : t.method, { kind: SpanKind.CLIENT, attributes }, t.context);
    return { span, traceparent: traceparentOf(span.spanContext()) };
  }

  /** The backend answered with this status (its body may still be on its way). */
  answered(a: BackendAttempt, status: number): void {
    a.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    // For a client span any 4xx or 5xx is an error (HTTP semantic conventions).
    if (status >= 400) a.span.setStatus({ code: SpanStatusCode.ERROR });
  }

  /** The attempt is over: the answer went through to the caller. */
  attemptEnded(a: BackendAttempt): void {
    a.span.end();
  }

  /** The attempt broke off; `error.type` is the error's code (`ECONNREFUSED`, `UND_ERR_…`) or its class. */
  attemptFailed(a: BackendAttempt, err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code;
    a.span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : err instanceof Error ? err.name : '_OTHER');
    a.span.setStatus({ code: SpanStatusCode.ERROR });
    a.span.end();
  }

  /** The request got its answer (or the caller left): ends the server span with what the caller saw. */
  finish(t: RequestTrace, res: ServerResponse): void {
    const { span } = t;
    if (!res.headersSent) {
      span.setAttribute(ATTR_ERROR_TYPE, 'caller_left');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the caller left before any answer' });
    } else {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      // For a server span only a 5xx is the server's error; a 4xx is the caller's.
      if (res.statusCode >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  }
}

/** The caller's span as a remote parent, or the root context when it sent none (or a malformed one). */
function callerContext(traceparent: string | string[] | undefined, tracestate: string | string[] | undefined): Context {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  if (m === null || m[1] === INVALID_TRACE_ID || m[2] === INVALID_SPAN_ID) return ROOT_CONTEXT;
  const parent: SpanContext = { traceId: m[1] as string, spanId: m[2] as string, traceFlags: parseInt(m[3] as string, 16), isRemote: true };
  if (typeof tracestate === 'string') parent.traceState = createTraceState(tracestate);
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

function traceparentOf(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A Host header's name and port; a bracketed IPv6 address loses its brackets. */
function hostAndPort(host: string): { address: string; port: number | undefined } {
  const colon = host.lastIndexOf(':');
  if (colon < 0 || host.endsWith(']')) return { address: host.replace(/^\[|\]$/g, ''), port: undefined };
  const port = Number(host.slice(colon + 1));
  const address = host.slice(0, colon).replace(/^\[|\]$/g, '');
  return Number.isInteger(port) ? { address, port } : { address: host, port: undefined };
}

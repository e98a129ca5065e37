/**
 * What the gateway notes about each request for its metrics and request log,
 * and what it does with it once the answer is out. A request carries one
 * RequestObservation (a fixed-shape object); the gateway fills in what it
 * learns (route, revision, tenant, time at the backend and in the activator's
 * queue) and `finish` counts it and writes its log line. With neither
 * metrics nor a request log there is no observer and nothing of this runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { UNMATCHED_ROUTE, type GatewayMetrics, type RouteMetrics } from './gateway-metrics.js';
import type { RequestLog } from './request-log.js';
import { traceparentOf } from './trace-context.js';

/** The status counted and logged for a caller that left before any answer (nginx's "client closed request"). */
export const CALLER_LEFT_STATUS = 499;

export class RequestObservation {
  route: RouteMetrics | undefined = undefined;
  routeLabel: string = UNMATCHED_ROUTE;
  service: string | undefined = undefined;
  revision: string | undefined = undefined;
  instance: string | undefined = undefined;
  tenant: string | undefined = undefined;
  /** The traceparent forwarded (or the gateway's server span's); empty when there is neither. */
  traceparent = '';
  requestBytes = 0;
  backendMs = 0;
  queueMs = 0;
  readonly startedAt = performance.now();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    /** What the connection had written before this answer (a keep-alive connection carries many); read only for the log. */
    readonly bytesBefore: number,
  ) {}
}

export class RequestObserver {
  readonly #metrics: GatewayMetrics | undefined;
  readonly #log: RequestLog | undefined;
  readonly #unmatched: RouteMetrics | undefined;

  constructor(metrics: GatewayMetrics | undefined, log: RequestLog | undefined) {
    this.#metrics = metrics;
    this.#log = log;
    this.#unmatched = metrics?.route('', UNMATCHED_ROUTE);
  }

  /** The series of a route, made once per route at config load; undefined without metrics. */
  route(service: string, route: string): RouteMetrics | undefined {
    return this.#metrics?.route(service, route);
  }

  start(req: IncomingMessage, res: ServerResponse, requestId: string): RequestObservation {
    if (this.#metrics !== undefined) this.#metrics.inFlight++;
    // Node's bytesWritten copies the socket's write buffer: not read when there is no log to write.
    const o = new RequestObservation(req, res, requestId, this.#log === undefined ? 0 : req.socket.bytesWritten);
    o.route = this.#unmatched;
    return o;
  }

  quotaRejected(scope: string, limit: string): void {
    this.#metrics?.quotaRejected(scope, limit);
  }

  activatorWait(o: RequestObservation, revision: string, ms: number): void {
    o.queueMs += ms;
    this.#metrics?.activatorWait(revision, ms / 1000);
  }

  forgetRevision(revision: string): void {
    this.#metrics?.forgetRevision(revision);
  }

  /** The answer is out (or the caller left): count the request and log it. */
  finish(o: RequestObservation): void {
    const durationMs = performance.now() - o.startedAt;
    const gatewayMs = Math.max(0, durationMs - o.backendMs - o.queueMs);
    const status = o.res.headersSent ? o.res.statusCode : CALLER_LEFT_STATUS;
    if (this.#metrics !== undefined) {
      this.#metrics.inFlight--;
      o.route?.record(o.revision ?? '', o.tenant, status, durationMs / 1000, gatewayMs / 1000);
    }
    const log = this.#log;
    if (log === undefined || !log.wants(status)) return;
    const traceparent = o.traceparent === '' ? traceparentOf(o.req.headers['traceparent']) : o.traceparent;
    const url = o.req.url ?? '/';
    const q = url.indexOf('?');
    log.write({
      requestId: o.requestId,
      traceId: traceparent.slice(3, 35),
      tenant: o.tenant,
      service: o.service,
      revision: o.revision,
      instance: o.instance,
      route: o.routeLabel,
      method: o.req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      status,
      durationMs,
      gatewayMs,
      queueMs: o.queueMs,
      requestBytes: o.requestBytes,
      responseBytes: o.req.socket.bytesWritten - o.bytesBefore,
    });
  }
}

/**
 * The request log: one JSON line per request answered by the gateway (pino,
 * in the platform's log format), with what Cloud Run's request log carries —
 * ids, tenant, service, revision, route, status, durations, sizes. A share of
 * requests (`sample`) is logged; server errors (5xx) always are.
 */
import type { Logger } from 'pino';

export interface RequestLogLine {
  requestId: string;
  /** The W3C trace id the request carried or was given (32 hex digits). */
  traceId: string;
  tenant: string | undefined;
  service: string | undefined;
  revision: string | undefined;
  /** The instance that answered (the last one tried), for a platform service. */
  instance: string | undefined;
  route: string;
  method: string;
  /** The request path, without its query (which may carry an API key). */
  path: string;
  status: number;
  durationMs: number;
  /** The gateway's own share: the whole call less the backend's time and the wait for an instance. */
  gatewayMs: number;
  /** Time spent waiting for an instance with room (activator), 0 when one had room at once. */
  queueMs: number;
  /** Bytes of the request body. */
  requestBytes: number;
  /** Bytes written to the caller's connection for this answer, head included. */
  responseBytes: number;
}

export interface RequestLogOptions {
  logger: Logger;
  /** The share of requests logged, in [0, 1]; 5xx answers are logged whatever it is. */
  sample: number;
  random?: () => number;
}

export class RequestLog {
  readonly #logger: Logger;
  readonly #sample: number;
  readonly #random: () => number;

  constructor(options: RequestLogOptions) {
    this.#logger = options.logger;
    this.#sample = options.sample;
    this.#random = options.random ?? Math.random;
  }

  /** Whether a request with this status is to be logged: decided before its line is built. */
  wants(status: number): boolean {
    return status >= 500 || this.#sample >= 1 || (this.#sample > 0 && this.#random() < this.#sample);
  }

  write(line: RequestLogLine): void {
    this.#logger.info(line, 'request');
  }
}

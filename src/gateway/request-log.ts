/**
 * The request log: one JSON line per request answered by the gateway, in the
 * platform's log format (pino's: `level`, `time` in ms, `pid`, `msg`), with
 * what Cloud Run's request log carries — ids, tenant, service, revision,
 * route, status, durations, sizes. A share of requests (`sample`) is logged;
 * server errors (5xx) always are. The line goes to a pino destination
 * (SonicBoom), built here rather than by pino's logger: its generic
 * serializer costs about ten times this fixed-shape template per request.
 */

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

/** Where lines go: a pino destination (SizeRotatedFile, SonicBoom) or any writable of strings. */
export interface LineDestination {
  write(line: string): unknown;
}

export interface RequestLogOptions {
  destination: LineDestination;
  /** The share of requests logged, in [0, 1]; 5xx answers are logged whatever it is. */
  sample: number;
  random?: () => number;
  now?: () => number;
  pid?: number;
}

/** pino's `info`. */
const INFO = 30;

export class RequestLog {
  readonly #out: LineDestination;
  readonly #sample: number;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #pid: number;

  constructor(options: RequestLogOptions) {
    this.#out = options.destination;
    this.#sample = options.sample;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#pid = options.pid ?? process.pid;
  }

  /** Whether a request with this status is to be logged: decided before its line is built. */
  wants(status: number): boolean {
    return status >= 500 || this.#sample >= 1 || (this.#sample > 0 && this.#random() < this.#sample);
  }

  write(l: RequestLogLine): void {
    // Strings through JSON.stringify (a path may hold any character); fields left undefined are left out, as pino does.
    this.#out.write(
      `{"level":${INFO},"time":${this.#now()},"pid":${this.#pid},"requestId":${JSON.stringify(l.requestId)},"traceId":${JSON.stringify(l.traceId)}` +
        optional('tenant', l.tenant) +
        optional('service', l.service) +
        optional('revision', l.revision) +
        optional('instance', l.instance) +
        `,"route":${JSON.stringify(l.route)},"method":${JSON.stringify(l.method)},"path":${JSON.stringify(l.path)},"status":${l.status}` +
        `,"durationMs":${l.durationMs},"gatewayMs":${l.gatewayMs},"queueMs":${l.queueMs},"requestBytes":${l.requestBytes},"responseBytes":${l.responseBytes}` +
        `,"msg":"request"}\n`,
    );
  }
}

function optional(name: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`;
}

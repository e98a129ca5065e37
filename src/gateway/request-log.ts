/**
 * The request log: one JSON line per request answered by the gateway, in the
 * platform's log format (pino's: `level`, `time` in ms, `pid`, `msg`), with
 * what Cloud Run's request log carries — ids, tenant, service, revision,
 * route, status, durations, sizes. A share of requests (`sample`) is logged;
 * server errors (5xx) always are. The line goes to a pino destination
 * (SonicBoom), built here rather than by pino's logger: its generic
 * serializer costs about ten times this fixed-shape template per request.
 * The template itself skips what a line does not need: a string with nothing
 * to escape (ids, names, most paths) is quoted as it is, where JSON.stringify
 * costs about 200 ns a field, and a duration is written from its whole
 * microseconds, where a double's shortest decimal costs about as much.
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
  /** Durations are in ms and logged to the µs (three decimals at most). */
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
    // Fields left undefined are left out, as pino does.
    this.#out.write(
      `{"level":${INFO},"time":${this.#now()},"pid":${this.#pid},"requestId":${jsonString(l.requestId)},"traceId":${jsonString(l.traceId)}` +
        optional('tenant', l.tenant) +
        optional('service', l.service) +
        optional('revision', l.revision) +
        optional('instance', l.instance) +
        `,"route":${jsonString(l.route)},"method":${jsonString(l.method)},"path":${jsonString(l.path)},"status":${l.status}` +
        `,"durationMs":${milliseconds(l.durationMs)},"gatewayMs":${milliseconds(l.gatewayMs)},"queueMs":${milliseconds(l.queueMs)}` +
        `,"requestBytes":${l.requestBytes},"responseBytes":${l.responseBytes},"msg":"request"}\n`,
    );
  }
}

function optional(name: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${name}":${jsonString(value)}`;
}

/** The JSON string of `s`, as JSON.stringify writes it: printable ASCII without `"` or `\\` needs no escaping. */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/**
 * `ms` rounded to the µs, as JSON writes that number (`5.631`, `0.02`, `3`):
 * from whole microseconds, since the shortest decimal of a number of
 * thousandths is its digits with trailing zeros dropped.
 */
export function milliseconds(ms: number): string {
  const us = Math.round(ms * 1000);
  // Below 0 or past 2^53 µs the digits are not those: the number's own decimal.
  if (!(us >= 0 && us <= Number.MAX_SAFE_INTEGER)) return `${us / 1000}`;
  const whole = Math.floor(us / 1000);
  const frac = us - whole * 1000;
  if (frac === 0) return `${whole}`;
  if (frac % 100 === 0) return `${whole}.${frac / 100}`;
  if (frac % 10 === 0) return `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

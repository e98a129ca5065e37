/**
 * What tells one listener from another in the HTTP kernel: the error codes it
 * answers with when HTTP itself fails, and the connection limits it has when
 * mlaas.yaml sets none. The gateway and the admin API each have their own, so
 * that a caller always sees codes of the server it talked to, and the admin
 * listener's small separate cap keeps the operator in when the gateway is flooded.
 */
import type { ErrorCode } from '../errors.js';
import { openFileLimit } from './open-file-limit.js';

export interface ListenerCodes {
  /** 400: not valid HTTP/1.1 (bad request line, header or chunk; HTTP/1.1 without Host). */
  malformed: ErrorCode;
  /** 431: the request line and headers are over Node's limit. */
  headersTooLarge: ErrorCode;
  /** 408: the request head, or the whole request, did not arrive within its timeout. */
  timeout: ErrorCode;
  /** 503: the listener holds its maximum of connections and every one of them is busy. */
  exhausted: ErrorCode;
  /** 405: a method no route can have (CONNECT: neither listener is a forward proxy). */
  methodNotAllowed: ErrorCode;
}

/** Per listener; every duration in milliseconds. */
export interface ConnectionLimits {
  /** Open connections at most. At the cap, a new connection closes the longest-idle one without a request in progress. */
  max: number;
  /** Time from connecting (on a kept-alive connection: from the first byte of the next request) to a complete request head. */
  headerTimeout: number;
  /** Time a kept-alive connection may wait for its next request. */
  keepAliveTimeout: number;
  /** Time from the start of a request to the last byte of its body. */
  requestTimeout: number;
}

export interface Listener {
  /** Named in problem details ("the gateway …", "the admin API …"). */
  name: string;
  codes: ListenerCodes;
  /** The limits mlaas.yaml may override; computed once per server. */
  defaults(): ConnectionLimits;
}

/**
 * nginx's header timeout is 60 s; 10 s is what issue 9 asks for, ample for a
 * head that fits one packet. The body of a gateway request is at most
 * `gateway.maxBodyBytes` (1 MiB by default): a minute is enough at 20 KB/s.
 * Keep-alive is Node's 5 s.
 */
export const GATEWAY_TIMEOUTS = { headerTimeout: 10_000, keepAliveTimeout: 5_000, requestTimeout: 60_000 } as const;

/** The admin API takes model uploads up to 1 GiB: 5 minutes (Node's own default) is 3.6 MB/s, on loopback. */
export const ADMIN_TIMEOUTS = { headerTimeout: 10_000, keepAliveTimeout: 5_000, requestTimeout: 300_000 } as const;

/** The CLI and a console in a browser or two: a few connections each. */
export const ADMIN_MAX_CONNECTIONS = 64;

/**
 * Half the process's open-file limit: every gateway connection may hold an
 * upstream connection while its request is forwarded, and the rest (admin
 * API, instances' pipes, SQLite, logs, models) needs room too.
 */
export function defaultGatewayMax(fileLimit: number = openFileLimit()): number {
  return Math.max(1, Math.floor(fileLimit / 2));
}

export const GATEWAY_LISTENER: Listener = {
  name: 'the gateway',
  codes: {
    malformed: 'GW_REQUEST_MALFORMED',
    headersTooLarge: 'GW_HEADERS_TOO_LARGE',
    timeout: 'GW_REQUEST_TIMEOUT',
    exhausted: 'GW_CONNECTIONS_EXHAUSTED',
    methodNotAllowed: 'GW_METHOD_NOT_ALLOWED',
  },
  defaults: () => ({ max: defaultGatewayMax(), ...GATEWAY_TIMEOUTS }),
};

export const ADMIN_LISTENER: Listener = {
  name: 'the admin API',
  codes: {
    malformed: 'ADMIN_REQUEST_MALFORMED',
    headersTooLarge: 'ADMIN_HEADERS_TOO_LARGE',
    timeout: 'ADMIN_REQUEST_TIMEOUT',
    exhausted: 'ADMIN_CONNECTIONS_EXHAUSTED',
    methodNotAllowed: 'ADMIN_METHOD_NOT_ALLOWED',
  },
  defaults: () => ({ max: ADMIN_MAX_CONNECTIONS, ...ADMIN_TIMEOUTS }),
};

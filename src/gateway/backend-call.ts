/**
 * One call from the gateway to a backend: what it sends, how undici is asked
 * for it within the deadline, and how its failure is told apart (a refused
 * connection may be sent elsewhere, a timeout may not).
 */
import type { Dispatcher } from 'undici';
import type { ShadowCopy } from './shadow-mirror.js';

export const RETRY_SOON = { 'retry-after': '1' };

/** One request as the gateway sends it on, to an instance or an outside origin. */
export interface BackendCall {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
  deadlineMs: number;
  deadlineAt: number;
  requestId: string;
  shadow: ShadowCopy | undefined;
}

/**
 * undici's request for one attempt. The deadline bounds the wait for the
 * answer's headers and each pause in its body (undici's own timers): no
 * AbortController, no timer of ours per request. The caller leaving aborts
 * it (answer-relay.ts).
 */
export function backendRequest(call: BackendCall, nowMs: number): Dispatcher.DispatchOptions {
  const remaining = Math.max(1, call.deadlineAt - nowMs);
  return {
    method: call.method as Dispatcher.HttpMethod,
    path: call.path,
    headers: call.headers,
    body: call.body.length === 0 && (call.method === 'GET' || call.method === 'HEAD') ? null : call.body,
    headersTimeout: remaining,
    bodyTimeout: remaining,
  };
}

/**
 * What went wrong between the gateway and a backend: the deadline passed; the
 * connection was refused (the request never left); the connection closed
 * before an answer (the backend may have begun the work); anything else.
 */
export function failureOf(err: unknown): 'timeout' | 'refused' | 'closed' | 'other' {
  switch ((err as { code?: string } | null)?.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'ECONNREFUSED':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'refused';
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return 'closed';
    default:
      return 'other';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

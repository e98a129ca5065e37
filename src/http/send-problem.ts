/**
 * Writes a problem+json answer on a response — the only way the gateway (and
 * the HTTP kernel, for requests it refuses itself) reports an error to a
 * caller. Never includes a stack trace.
 */
import type { ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE, problemOf, type ErrorCode, type MlaasError } from '../errors.js';

export function sendProblem(
  res: ServerResponse,
  code: ErrorCode,
  detail: string,
  requestId: string,
  headers?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const problem = problemOf(code, detail, { requestId });
  const body = JSON.stringify(problem);
  res.writeHead(problem.status, {
    ...headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
  });
  res.end(body);
}

export function sendError(res: ServerResponse, err: MlaasError, requestId: string): void {
  sendProblem(res, err.code, err.message, requestId, err.headers);
}

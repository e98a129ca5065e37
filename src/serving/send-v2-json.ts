/**
 * Writes the ONNX server's answers. An error is problem+json (our contract,
 * with its stable `code`) that also carries V2's `error` field, so a
 * KServe/Triton client and an mlaas client both read it. Never a stack trace.
 */
import type { ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE, type MlaasError } from '../errors.js';

export function sendV2Json(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
  });
  res.end(text);
}

export function sendV2Error(res: ServerResponse, err: MlaasError, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const problem = err.toProblem(requestId);
  const text = JSON.stringify({ ...problem, error: problem.detail });
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
  });
  res.end(text);
}

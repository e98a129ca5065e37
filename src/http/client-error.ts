/**
 * What a listener answers when HTTP itself fails on a connection (Node's
 * `clientError`: a request that is not HTTP, headers over the limit, a head
 * or body that did not arrive within its timeout): problem+json with the
 * listener's own codes instead of Node's bare 400, never a second answer to
 * a request, and the connection closes.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { MlaasError } from '../errors.js';
import { connectionOf, type Connection } from './connection-cap.js';
import type { ConnectionLimits, Listener } from './listener.js';
import { isLingering, lingeringClose } from './lingering-close.js';
import { answerAndClose, rawProblem } from './raw-answer.js';

export type ClientErrorHandler = (err: NodeJS.ErrnoException, socket: Duplex) => void;

export function clientErrorHandler(listener: Listener, limits: ConnectionLimits): ClientErrorHandler {
  const { codes, name } = listener;
  const headTimeout = rawProblem(codes.timeout, `${name} did not receive a complete request head within ${seconds(limits.headerTimeout)}`);
  const tooLarge = rawProblem(codes.headersTooLarge, `the request line and headers are larger than ${name} accepts`);
  const bodyTimeout = `the request did not arrive in full within ${seconds(limits.requestTimeout)}`;

  return (err, duplex) => {
    const socket = duplex as Socket;
    const conn = connectionOf(socket);
    if (isLingering(socket)) return;
    if (err.code === 'ECONNRESET' || conn === undefined) {
      socket.destroy();
      return;
    }
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const res = conn.response;
    // Checked before the socket's state: an early answer may be closing it, and must be let finish.
    if (res !== undefined && !res.req.complete) {
      const failure = timedOut
        ? new MlaasError(codes.timeout, bodyTimeout)
        : new MlaasError(codes.malformed, `the request body is not valid HTTP/1.1 (${err.code ?? 'parse error'})`);
      failBody(socket, conn, res, failure);
      return;
    }
    const answer = timedOut
      ? headTimeout
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? tooLarge
        : rawProblem(codes.malformed, `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})`);
    // A pipelined request before this one is still being answered: this answer goes after it.
    if (res !== undefined && !res.writableFinished) res.once('close', () => answerAndClose(socket, answer));
    else answerAndClose(socket, answer);
  };
}

/**
 * The error is inside the body of a request the handler already has, so that
 * request gets exactly one answer — its handler's — and the connection ends
 * with it: nothing after a broken body can be read as a request.
 */
function failBody(socket: Socket, conn: Connection, res: ServerResponse, failure: MlaasError): void {
  if (conn.failed) {
    // A second error (the request timeout after a parse error): a handler that has not begun to answer by now never will.
    if (!res.headersSent) socket.destroy();
    return;
  }
  conn.failed = true;
  if (res.writableFinished) {
    lingeringClose(socket);
    return;
  }
  res.once('close', () => lingeringClose(socket));
  if (res.headersSent) return;
  res.setHeader('connection', 'close');
  // A handler reading the body gets the failure from its reader and answers it (400 or 408).
  if (res.req.listenerCount('error') > 0) res.req.emit('error', failure);
}

function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

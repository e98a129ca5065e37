/**
 * Answers written straight onto a socket, for the cases where Node has no
 * request to answer on (a request that is not HTTP, a head that never came, a
 * connection over the cap), then the connection closes.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problemOf, type ErrorCode } from '../errors.js';
import { lingeringClose } from './lingering-close.js';

/** The bytes of a whole `connection: close` problem+json answer. */
export function rawProblem(code: ErrorCode, detail: string, extraHeaders = ''): string {
  const problem = problemOf(code, detail);
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
    `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extraHeaders}\r\n${body}`
  );
}

/**
 * Writes the answer and closes the connection once it is written. Node's HTTP
 * sockets allow half-open connections, so `end()` alone would only send FIN
 * and keep the descriptor until the client closes its side — which a client
 * that sends nothing never does: the lingering close bounds that wait.
 */
export function answerAndClose(socket: Socket, answer: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.write(answer);
  lingeringClose(socket);
}

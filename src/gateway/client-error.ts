/**
 * What the gateway answers when a request cannot even be parsed as HTTP
 * (Node's `clientError`): problem+json like every other error, instead of
 * Node's bare "400 Bad Request", then the connection closes.
 */
import type { Duplex } from 'node:stream';
import { problemOf, PROBLEM_CONTENT_TYPE } from '../errors.js';

export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const problem = tooLarge
    ? problemOf('GW_HEADERS_TOO_LARGE', 'the request line and headers are larger than the gateway accepts')
    : problemOf('GW_REQUEST_MALFORMED', `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})`);
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

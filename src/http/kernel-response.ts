/**
 * The response class of every kernel server. An answer that starts while the
 * request's body is still arriving (a 401, 404 or 413 sent before the body
 * was read) says `connection: close` and ends the connection after it, as
 * nginx does: the rest of that body is then never parsed as a next request,
 * so neither its bytes nor a malformed rest can draw a second answer.
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

export class KernelResponse extends ServerResponse {
  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    if (!this.req.complete && bodyAhead(this.req)) this.setHeader('connection', 'close');
    return typeof reasonOrHeaders === 'string' ? super.writeHead(statusCode, reasonOrHeaders, headers) : super.writeHead(statusCode, reasonOrHeaders);
  }
}

/** A request announces a body by Content-Length or Transfer-Encoding (RFC 9112 §6.3); one without is complete at its head. */
function bodyAhead(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

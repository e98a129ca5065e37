/**
 * The one way mlaas makes an HTTP server (gateway and admin API): Node's
 * server with the listener's connection limits (header, request and
 * keep-alive timeouts; a cap on open connections that closes the longest-idle
 * one to make room), problem+json for HTTP that fails to parse or arrive, and
 * exactly one answer per request.
 */
import { randomUUID } from 'node:crypto';
import { Server, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientErrorHandler } from './client-error.js';
import { ConnectionCap, connectionOf } from './connection-cap.js';
import { KernelResponse } from './kernel-response.js';
import type { ConnectionLimits, Listener } from './listener.js';
import { isLingering, lingeringClose } from './lingering-close.js';
import { answerAndClose, rawProblem } from './raw-answer.js';
import { sendProblem } from './send-problem.js';

export interface HttpServerOptions {
  listener: Listener;
  /** What mlaas.yaml (or a test) sets; the rest are the listener's defaults. */
  limits?: Partial<ConnectionLimits> | undefined;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const CLOSE = { connection: 'close' };

/**
 * @example
 * const server = createHttpServer({ listener: ADMIN_LISTENER, limits: { max: 16 } }, (req, res) => res.end('ok'));
 * server.listen(8081, '127.0.0.1');
 */
export function createHttpServer(options: HttpServerOptions, handler: RequestHandler): Server {
  const { listener } = options;
  const limits = resolveLimits(listener.defaults(), options.limits);
  const exhausted = rawProblem(
    listener.codes.exhausted,
    `${listener.name} holds its maximum of ${limits.max} connections and all of them have a request in progress`,
    'retry-after: 1\r\n',
  );
  const cap = new ConnectionCap(limits.max, (socket) => answerAndClose(socket, exhausted));

  function onResponseClose(this: ServerResponse): void {
    const socket = this.req.socket;
    const conn = connectionOf(socket);
    if (conn !== undefined) cap.requestEnded(socket, conn);
  }

  const server = new KernelServer(
    cap,
    {
      // Node's own check answers a bare 400; ours is problem+json.
      requireHostHeader: false,
      ServerResponse: KernelResponse,
      headersTimeout: Math.min(limits.headerTimeout, limits.requestTimeout),
      requestTimeout: limits.requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeout,
      // Node checks the two timeouts every 30 s by default: a silent connection would live up to 40 s, not 10.
      connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(limits.headerTimeout / 4))),
    },
    (req, res) => {
      const socket = req.socket;
      // Bytes that arrive after the answer that closes the connection are the rest of a refused body, not a request.
      if (isLingering(socket)) {
        res.destroy();
        return;
      }
      const conn = connectionOf(socket);
      if (conn !== undefined) {
        cap.requestStarted(socket, conn, res);
        res.on('close', onResponseClose);
      }
      if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
        sendProblem(res, listener.codes.malformed, 'an HTTP/1.1 request must have a Host header (RFC 9112 §3.2), got none', randomUUID(), CLOSE);
        return;
      }
      handler(req, res);
    },
  );
  // Node hands CONNECT to a 'connect' listener and, without one, closes the connection unanswered.
  const noTunnel = rawProblem(listener.codes.methodNotAllowed, `${listener.name} is not a forward proxy: CONNECT is not served`);
  server.on('connect', (_req: IncomingMessage, socket: Socket) => answerAndClose(socket, noTunnel));
  server.on('connection', (socket: Socket) => {
    // Node calls it once a `connection: close` answer is written; the default would cut what the client still sends.
    socket.destroySoon = () => lingeringClose(socket);
    cap.admit(socket);
  });
  server.on('clientError', clientErrorHandler(listener, limits));
  return server;
}

/**
 * Node's server, except that closing it (`close` calls `closeIdleConnections`)
 * also closes connections that never sent a whole request head: Node counts
 * them as active, and stops checking their header timeout once the server
 * closes, so they would keep a closing server open for as long as their clients like.
 */
class KernelServer extends Server<typeof IncomingMessage, typeof KernelResponse> {
  readonly #cap: ConnectionCap;

  constructor(cap: ConnectionCap, options: ServerOptions<typeof IncomingMessage, typeof KernelResponse>, handler: RequestHandler) {
    super(options, handler);
    this.#cap = cap;
  }

  override closeIdleConnections(): void {
    super.closeIdleConnections();
    this.#cap.closeIdle();
  }
}

function resolveLimits(defaults: ConnectionLimits, set: Partial<ConnectionLimits> | undefined): ConnectionLimits {
  return {
    max: set?.max ?? defaults.max,
    headerTimeout: set?.headerTimeout ?? defaults.headerTimeout,
    keepAliveTimeout: set?.keepAliveTimeout ?? defaults.keepAliveTimeout,
    requestTimeout: set?.requestTimeout ?? defaults.requestTimeout,
  };
}

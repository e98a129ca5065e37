/**
 * The cap on open connections of one listener, as nginx's worker_connections
 * with its reuse of idle connections: a new connection over the cap closes
 * the connection that has been idle longest — one that sent nothing, half a
 * request head, or is kept alive between requests — so silent connections
 * cannot lock normal clients out. Only when every connection has a request in
 * progress is the new one refused.
 */
import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';

/** What the kernel knows about one connection. */
export interface Connection {
  /** The latest request's response while it is in progress, or while its request's body is still arriving. */
  response: ServerResponse | undefined;
  /** Requests handed to the handler and not yet answered (more than one when pipelined). */
  busy: number;
  /** A parse error or timeout hit the body of `response`'s request: the connection ends after that answer. */
  failed: boolean;
  /** Counted against the cap (false once evicted or refused, before its close event). */
  counted: boolean;
}

const CONNECTION = Symbol('mlaas.connection');

type TrackedSocket = Socket & { [CONNECTION]?: Connection };

export function connectionOf(socket: Socket): Connection | undefined {
  return (socket as TrackedSocket)[CONNECTION];
}

export class ConnectionCap {
  readonly #max: number;
  readonly #refuse: (socket: Socket) => void;
  /** Connections without a request in progress; insertion order is idle-since order, so the first is the longest idle. */
  readonly #idle = new Set<Socket>();
  #open = 0;

  constructor(max: number, refuse: (socket: Socket) => void) {
    this.#max = max;
    this.#refuse = refuse;
  }

  /** Connections counted against the cap now. */
  get open(): number {
    return this.#open;
  }

  /** A new connection: counted, idle until its first request; over the cap, it makes room or is refused. */
  admit(socket: Socket): void {
    const conn: Connection = { response: undefined, busy: 0, failed: false, counted: true };
    (socket as TrackedSocket)[CONNECTION] = conn;
    socket.once('close', () => this.#forget(socket));
    if (this.#open >= this.#max) {
      const oldest = this.#idle.values().next().value;
      if (oldest === undefined) {
        conn.counted = false;
        this.#refuse(socket);
        return;
      }
      this.#forget(oldest);
      oldest.destroy();
    }
    this.#open++;
    this.#idle.add(socket);
  }

  /** A request was handed to the handler. */
  requestStarted(socket: Socket, conn: Connection, response: ServerResponse): void {
    conn.response = response;
    if (conn.busy++ === 0) this.#idle.delete(socket);
  }

  /** A response finished or was abandoned; with none left the connection is idle from now. */
  requestEnded(socket: Socket, conn: Connection): void {
    if (--conn.busy > 0) return;
    // An idle connection keeps no request alive, unless its body is still arriving (the error handler needs it then).
    if (conn.response?.req.complete === true) conn.response = undefined;
    if (conn.counted && !socket.destroyed) this.#idle.add(socket);
  }

  /** Closes every connection without a request in progress: the server is closing. */
  closeIdle(): void {
    for (const socket of [...this.#idle]) socket.destroy();
  }

  #forget(socket: Socket): void {
    const conn = connectionOf(socket);
    if (conn === undefined || !conn.counted) return;
    conn.counted = false;
    this.#open--;
    this.#idle.delete(socket);
  }
}

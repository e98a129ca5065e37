/**
 * Closing a connection without losing the answer on it, as nginx's
 * `lingering_close` does. Closing a socket while the client is still sending
 * (the rest of a body a 413 or 401 refused) makes the kernel send a reset,
 * and a reset makes the client's kernel drop the answer it had not yet read:
 * the caller sees "connection reset", not our problem+json. So the answer
 * goes out with a FIN, what the client still sends is read and thrown away,
 * and the socket closes when the client closes its side, once it has been
 * quiet for a while, or after a bound on the whole wait.
 */
import type { Socket } from 'node:net';

/** The longest wait for a client that keeps sending. */
const LINGER_MAX_MS = 5_000;
/** How long a client may be quiet before the close. */
const LINGER_QUIET_MS = 1_000;

const lingering = new WeakSet<Socket>();

/** True once the connection only waits to close: nothing it still receives may be taken as a request. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/**
 * @example
 * socket.end(answer);
 * lingeringClose(socket);
 */
export function lingeringClose(socket: Socket): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  socket.end();
  let quiet = setTimeout(() => socket.destroy(), LINGER_QUIET_MS);
  const bound = setTimeout(() => socket.destroy(), LINGER_MAX_MS);
  socket.on('data', () => {
    clearTimeout(quiet);
    quiet = setTimeout(() => socket.destroy(), LINGER_QUIET_MS);
  });
  socket.resume();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => {
    clearTimeout(quiet);
    clearTimeout(bound);
  });
}

/**
 * Finds a TCP port the OS considers free, so each instance gets its own
 * `$PORT` (Cloud Run picks the port; here the supervisor does).
 */
import net from 'node:net';

/**
 * Listens on port 0, reads the port the OS chose and closes again. Another
 * process may take the port before the instance binds it; the instance then
 * exits and is restarted on a fresh port.
 *
 * @example
 * const port = await freePort(); // e.g. 41873
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read the port chosen on ${host}`));
      });
    });
  });
}

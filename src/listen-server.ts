/**
 * How a composition root (platform.ts for `mlaas up`, standalone-gateway.ts
 * for `mlaas gateway`) opens and closes its listeners: a port that is taken
 * or forbidden is reported against the setting that chose it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlaasError } from './errors.js';

const LISTEN_BACKLOG = 4096;

const LISTEN_FAILURES: Record<string, string> = { EADDRINUSE: 'address already in use', EACCES: 'permission denied' };

/** The `mlaas up` flag that overrides each port setting, named when that port is taken. */
const PORT_FLAGS: Record<string, string> = { 'gateway.port': '`mlaas up --port`', 'controlPlane.port': '`mlaas up --admin-port`' };

/**
 * Listens; a port that is taken or forbidden is reported against `field`,
 * the setting that chose it, and `flag`, the command-line flag that overrides it.
 */
export function listen(server: Server, port: number, host: string, field: string, flag: string | undefined = PORT_FLAGS[field]): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      const reason = LISTEN_FAILURES[err.code ?? ''];
      if (reason === undefined) reject(err);
      else {
        const change = `choose another port with ${field} in mlaas.yaml${flag === undefined ? '' : ` or ${flag}`}`;
        reject(new MlaasError('CONFIG_PORT_UNAVAILABLE', `${field}: cannot listen on ${host}:${port}: ${reason}; ${change}`, { cause: err }));
      }
    };
    server.once('error', fail);
    // Node's backlog of 511 overflows under a flood of connections (each then waits a SYN retransmit, ≥ 1 s);
    // the kernel caps it at net.core.somaxconn.
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

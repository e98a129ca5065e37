/**
 * Dynamic servers through the runtime API: one per running instance, added
 * when it is ready, drained and deleted when it stops. The backend must use
 * a dynamic balance algorithm (leastconn, roundrobin); HAProxy refuses
 * `add server` on static ones.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MlaasError } from '../errors.js';
import type { HaproxyRuntimeApi } from './haproxy-runtime-api.js';
import { readStats } from './haproxy-stats.js';

const NAME = /^[A-Za-z0-9_.:-]+$/;

function target(backend: string, name: string): string {
  for (const [what, text] of [['backend', backend], ['server', name]] as const) {
    if (!NAME.test(text)) throw new MlaasError('HAPROXY_UNAVAILABLE', `${what} name ${JSON.stringify(text)}: expected letters, digits, "_", ".", ":" or "-"`);
  }
  return `${backend}/${name}`;
}

/**
 * Adds a server and enables it (a dynamic server starts in maintenance).
 * Not kept across a reload: re-add after HaproxyProcess.reload().
 *
 * @example
 * await addServer(api, 'spam-filter-00007', 'i-41873', '127.0.0.1', 41873, { maxconn: 4, weight: 100 });
 */
export async function addServer(
  api: HaproxyRuntimeApi,
  backend: string,
  name: string,
  address: string,
  port: number,
  options: { maxconn?: number; weight?: number } = {},
): Promise<void> {
  const server = target(backend, name);
  if (!/^[0-9A-Fa-f.:]+$/.test(address)) throw new MlaasError('HAPROXY_UNAVAILABLE', `server ${server}: address ${JSON.stringify(address)} is not an IP address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new MlaasError('HAPROXY_UNAVAILABLE', `server ${server}: port must be 1..65535, got ${port}`);
  const host = address.includes(':') ? `[${address}]` : address;
  // A server `add server` makes in 2.6 keeps no idle connection (no pool, no purge delay, unlike a static one's
  // 5 s): each request would open a connection of its own. A 1 s purge delay keeps those a steady load reuses
  // and lets the idle ones of a server in maintenance go within seconds, which `del server` waits for.
  let command = `add server ${server} ${host}:${port} pool-max-conn -1 pool-purge-delay 1s`;
  if (options.maxconn !== undefined) command += ` maxconn ${integerIn(server, 'maxconn', options.maxconn, 0, 1_000_000)}`;
  if (options.weight !== undefined) command += ` weight ${integerIn(server, 'weight', options.weight, 0, 256)}`;
  await api.execute([command, `enable server ${server}`]);
}

/** Stops sending new requests to the server; those it has finish. */
export async function drainServer(api: HaproxyRuntimeApi, backend: string, name: string): Promise<void> {
  await api.execute([`set server ${target(backend, name)} state drain`]);
}

/** Sets the server's weight, 0..256 (0: no new requests, like drain). */
export async function setWeight(api: HaproxyRuntimeApi, backend: string, name: string, weight: number): Promise<void> {
  const server = target(backend, name);
  await api.execute([`set weight ${server} ${integerIn(server, 'weight', weight, 0, 256)}`]);
}

/**
 * Puts the server in maintenance (no new request), waits up to `waitMs` for
 * its current connections (scur) to reach 0, then deletes it. Fails naming
 * the count when connections remain; the server is left in maintenance.
 * `onQuiet` is told when its requests have finished, which may be seconds
 * before the deletion: idle kept-alive connections go first.
 */
export async function deleteServer(
  api: HaproxyRuntimeApi,
  backend: string,
  name: string,
  options: { waitMs?: number; onQuiet?: () => void } = {},
): Promise<void> {
  const server = target(backend, name);
  await api.execute([`set server ${server} state maint`]);
  const waitMs = options.waitMs ?? 5_000;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const row = (await readStats(api)).find((r) => r.backend === backend && r.server === name);
    const current = row?.scur ?? 0;
    if (current === 0) options.onQuiet?.();
    // Idle kept-alive connections also block `del server`; HAProxy closes them on its own, so retry.
    const [answer = ''] = current === 0 ? await api.send([`del server ${server}`]) : [];
    if (answer === 'Server deleted.') return;
    if (Date.now() >= deadline) {
      const why = current > 0 ? `still has ${current} connection(s)` : `was refused: ${answer}`;
      throw new MlaasError('HAPROXY_UNAVAILABLE', `server ${server} ${why} after ${waitMs} ms in maintenance; not deleted`);
    }
    await sleep(25);
  }
}

function integerIn(server: string, what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MlaasError('HAPROXY_UNAVAILABLE', `server ${server}: ${what} must be an integer ${min}..${max}, got ${value}`);
  }
  return value;
}

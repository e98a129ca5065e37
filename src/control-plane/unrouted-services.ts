/**
 * Services that no operation of the gateway document reaches: they run, but
 * no caller can get to them. `plan`, `apply` and `deploy` say so, with what
 * would fix it.
 */
import type { GatewayDocument } from '../config/index.js';

/** Those of `services` that no `mlaas://SERVICE/…` address names, sorted. */
export function unroutedServices(services: Iterable<string>, document: GatewayDocument): string[] {
  const routed = new Set(document.operations.flatMap((op) => (op.backend.kind === 'service' ? [op.backend.service] : [])));
  return [...new Set(services)].filter((s) => !routed.has(s)).sort();
}

export function unroutedMessage(service: string): string {
  return `service ${service} has no route in the gateway document (add a path whose x-google-backend.address is mlaas://${service}/...)`;
}

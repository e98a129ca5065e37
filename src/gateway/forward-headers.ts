/**
 * The headers an instance receives: the caller's, minus hop-by-hop headers,
 * the caller's API key and anything the caller sent under `x-mlaas-*` (only
 * the gateway speaks that namespace), plus the gateway's own context headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PreparedOperation } from './prepared-operation.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

export interface ForwardContext {
  requestId: string;
  traceparent: string;
  /** Undefined on routes without authentication. */
  tenantId: string | undefined;
  configHeader: string | undefined;
  revision: string | undefined;
  clientAddress: string | undefined;
}

export function forwardHeaders(
  incoming: IncomingHttpHeaders,
  prep: PreparedOperation,
  ctx: ForwardContext,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || name.startsWith('x-mlaas-') || prep.keyHeaders.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out['x-request-id'] = ctx.requestId;
  out['traceparent'] = ctx.traceparent;
  if (ctx.tenantId !== undefined) out['x-mlaas-tenant'] = ctx.tenantId;
  if (ctx.configHeader !== undefined) out['x-mlaas-config'] = ctx.configHeader;
  if (ctx.revision !== undefined) out['x-mlaas-revision'] = ctx.revision;
  if (ctx.clientAddress !== undefined) {
    const prior = incoming['x-forwarded-for'];
    out['x-forwarded-for'] = prior === undefined ? ctx.clientAddress : `${String(prior)}, ${ctx.clientAddress}`;
  }
  return out;
}

/** Response headers that must not be copied back to the caller. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name) && name !== 'content-length';
}

/**
 * The headers that cross the gateway. An instance receives the caller's
 * headers minus hop-by-hop ones (RFC 9110 §7.6.1: the fixed list and any the
 * caller's `Connection` header names), the caller's API key and anything under
 * `x-mlaas-*` (only the gateway speaks that namespace), plus the gateway's
 * context headers. The forwarding headers describe the caller's connection as
 * the gateway saw it, as Cloud Run's front end and ESPv2 (Envoy with
 * `use_remote_address`, no trusted hops) do: whatever a caller claims in
 * `X-Forwarded-*`, `Forwarded` or `X-Real-IP` is dropped. What the gateway
 * vouches for about a verified JWT is its alone too: `X-Apigateway-Api-Userinfo`
 * (Google API Gateway's name for the payload ESPv2 forwards; Endpoints' name,
 * `X-Endpoint-API-UserInfo`, and `X-Forwarded-Authorization`, which Google
 * sets only when it replaces `Authorization` with its own token — mlaas never
 * does — are dropped from callers so that no backend trusts a forged one).
 * The caller receives the backend's headers minus hop-by-hop ones, by the same rules.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { util } from 'undici';
import { CONFIG_HEADER, REQUEST_ID_HEADER, REVISION_HEADER, TENANT_HEADER } from '../api/service-contract.js';
import type { PreparedOperation } from './prepared-operation.js';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The verified JWT's payload, base64url JSON, as Google API Gateway names it. */
const USERINFO_HEADER = 'x-apigateway-api-userinfo';

/** Never copied from the caller: hop-by-hop, what undici sets itself, and what the gateway sets from the connection. */
export const NOT_FROM_CALLER: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
  'x-real-ip',
  USERINFO_HEADER,
  'x-endpoint-api-userinfo',
  'x-forwarded-authorization',
]);

/** Carries the activator's token (api/data-plane.ts) from a gateway to the control plane's activator. */
export const ACTIVATOR_TOKEN_HEADER = 'x-mlaas-activator-token';

/**
 * What the activator passes on of a request another gateway of the platform
 * sent it: that gateway already shaped the headers (forwardHeaders), so only
 * the connection's own and the token stay behind.
 */
const NOT_FROM_GATEWAY = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect', ACTIVATOR_TOKEN_HEADER]);

/** Never copied from a backend's answer; Node sets the framing headers for the caller's connection itself. */
const NOT_FROM_BACKEND = new Set(HOP_BY_HOP);
const { headerNameToString } = util;

/**
 * A raw header value as a string: Node's own latin1 slice (what
 * `toString('latin1')` ends in), called straight, costs half as much per
 * value as `toString`, which checks its arguments and picks the encoding
 * first.
 */
const latin1 = (b: Buffer): string => (b as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(0, b.length);

/**
 * The last value each answer header had, by name: a backend repeats most of
 * its values (content-type, content-length, keep-alive, its Date for a
 * second), and comparing a short value's bytes with the string it was last
 * time costs a quarter of decoding it again (a call into C++ per value).
 * Bounded in names and in value length, as names and values come from backends.
 */
const lastValues = new Map<string, string>();
const MAX_REMEMBERED_NAMES = 64;
const MAX_REMEMBERED_BYTES = 64;

function answerValue(name: string, b: Buffer): string {
  const n = b.length;
  if (n > MAX_REMEMBERED_BYTES) return latin1(b);
  const last = lastValues.get(name);
  if (last !== undefined && last.length === n) {
    let same = true;
    // Latin-1 maps each byte to the character of that code: equal bytes, equal strings.
    for (let i = 0; i < n; i++) {
      if (b[i] !== last.charCodeAt(i)) {
        same = false;
        break;
      }
    }
    if (same) return last;
  }
  const value = latin1(b);
  if (last !== undefined || lastValues.size < MAX_REMEMBERED_NAMES) lastValues.set(name, value);
  return value;
}

export interface ForwardContext {
  requestId: string;
  traceparent: string;
  /** Undefined on routes without authentication. */
  tenantId: string | undefined;
  configHeader: string | undefined;
  /** The verified JWT's payload segment; undefined when no JWT was verified. */
  userInfo: string | undefined;
  revision: string | undefined;
  /** The caller's address as the gateway's socket sees it; undefined once the socket is gone. */
  clientAddress: string | undefined;
  /** The protocol the caller spoke to the gateway. */
  proto: 'http' | 'https';
}

export function forwardHeaders(
  incoming: IncomingHttpHeaders,
  prep: PreparedOperation,
  ctx: ForwardContext,
): Record<string, string | string[]> {
  const named = connectionNamed(incoming.connection, NOT_FROM_CALLER);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (NOT_FROM_CALLER.has(name) || name.startsWith('x-mlaas-') || prep.keyHeaders.has(name)) continue;
    if (named !== undefined && named.includes(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out[REQUEST_ID_HEADER] = ctx.requestId;
  out['traceparent'] = ctx.traceparent;
  if (ctx.tenantId !== undefined) out[TENANT_HEADER] = ctx.tenantId;
  if (ctx.configHeader !== undefined) out[CONFIG_HEADER] = ctx.configHeader;
  if (ctx.revision !== undefined) out[REVISION_HEADER] = ctx.revision;
  if (ctx.userInfo !== undefined) out[USERINFO_HEADER] = ctx.userInfo;
  const host = incoming.host;
  out['x-forwarded-proto'] = ctx.proto;
  if (host !== undefined) out['x-forwarded-host'] = host;
  if (ctx.clientAddress !== undefined) out['x-forwarded-for'] = ctx.clientAddress;
  out['forwarded'] = forwardedOf(host, ctx.clientAddress, ctx.proto);
  return out;
}

/** The last Forwarded value built: a gateway's callers mostly send one Host from a few addresses, so most requests reuse it. */
let lastForwarded = { host: undefined as string | undefined, address: undefined as string | undefined, proto: '', value: '' };

/** The RFC 7239 `Forwarded` value for a caller at `address` that asked for `host`. */
function forwardedOf(host: string | undefined, address: string | undefined, proto: 'http' | 'https'): string {
  const last = lastForwarded;
  if (last.host === host && last.address === address && last.proto === proto && last.value !== '') return last.value;
  let value = `proto=${proto}`;
  if (host !== undefined) value = `host=${quoted(host)};${value}`;
  if (address !== undefined) value = `for=${forwardedNode(address)};${value}`;
  lastForwarded = { host, address, proto, value };
  return value;
}

/** The headers of a request a gateway handed the activator, as its instance receives them. */
export function activatedHeaders(incoming: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = connectionNamed(incoming.connection, NOT_FROM_GATEWAY);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (NOT_FROM_GATEWAY.has(name) || (named !== undefined && named.includes(name))) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * A backend's answer head as the caller gets it, with the request's id unless
 * the backend sent its own: from undici's raw name, value, name, value…
 * buffers to the same flat list of strings, which `writeHead` takes as it is
 * when nothing was set on the response before. A repeated header stays
 * repeated, as it came.
 */
export function responseHeaders(raw: readonly Buffer[], requestId: string): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  let ownId = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = headerNameToString(raw[i] as Buffer);
    if (NOT_FROM_BACKEND.has(name)) {
      // Of the hop-by-hop headers only Connection's value matters (what else it names); the others are not decoded at all.
      if (name === 'connection') {
        const value = answerValue(name, raw[i + 1] as Buffer);
        connection = connection === undefined ? value : `${connection}, ${value}`;
      }
      continue;
    }
    const value = answerValue(name, raw[i + 1] as Buffer);
    if (name === REQUEST_ID_HEADER) ownId = true;
    out.push(name, value);
  }
  if (!ownId) out.push(REQUEST_ID_HEADER, requestId);
  const named = connectionNamed(connection, NOT_FROM_BACKEND);
  if (named === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!named.includes(out[i] as string)) kept.push(out[i] as string, out[i + 1] as string);
  return kept;
}

/**
 * The header names a `Connection` header lists beyond those dropped anyway;
 * undefined in the common case (`keep-alive`, `close`, or none), so that it
 * costs nothing there.
 */
function connectionNamed(connection: string | string[] | undefined, dropped: ReadonlySet<string>): string[] | undefined {
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  let named: string[] | undefined;
  for (const token of String(connection).split(',')) {
    const name = token.trim().toLowerCase();
    if (name === '' || name === 'close' || dropped.has(name)) continue;
    (named ??= []).push(name);
  }
  return named;
}

/** An RFC 7239 node: an IPv6 address is bracketed and quoted. */
function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

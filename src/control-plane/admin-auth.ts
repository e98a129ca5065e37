/**
 * Who is calling the admin API, and whether they may: the CLI (and any
 * script) sends the admin token as a Bearer header; the web console sends
 * its session cookie, and on a change also the session's CSRF token in a
 * header, which a cross-site page cannot read or send. A cookie-authenticated
 * request that the browser marks as coming from another site
 * (`Sec-Fetch-Site`) is refused whatever its method.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { MlaasError } from '../errors.js';
import { CSRF_HEADER, type ConsoleSession, type ConsoleSessions } from './console-sessions.js';

export type AdminCaller = { kind: 'token' } | { kind: 'session'; session: ConsoleSession } | undefined;

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function identifyCaller(req: http.IncomingMessage, tokenDigest: Buffer, sessions: ConsoleSessions): AdminCaller {
  if (tokenMatches(bearerOf(req.headers.authorization), tokenDigest)) return { kind: 'token' };
  const session = sessions.fromCookie(req.headers.cookie);
  return session === undefined ? undefined : { kind: 'session', session };
}

/** Throws the problem a caller who may not use a token-protected route gets. */
export function assertAllowed(req: http.IncomingMessage, caller: AdminCaller): void {
  if (caller === undefined) {
    throw new MlaasError('ADMIN_TOKEN_MISSING', 'send the admin token as `Authorization: Bearer <token>` (see <stateDir>/admin-token), or sign in to the console', {
      headers: { 'www-authenticate': 'Bearer realm="mlaas-admin"' },
    });
  }
  if (caller.kind === 'token') return;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') {
    throw new MlaasError('ADMIN_CSRF_REJECTED', `a console session is used only by the console itself; this request came from ${site}`);
  }
  if (SAFE_METHODS.has(req.method ?? 'GET')) return;
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameSecret(sent, caller.session.csrfToken)) {
    throw new MlaasError('ADMIN_CSRF_REJECTED', `a change made with the console's session must carry its CSRF token in ${CSRF_HEADER}`);
  }
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function tokenMatches(candidate: string | undefined, tokenDigest: Buffer): boolean {
  return candidate !== undefined && timingSafeEqual(digest(candidate), tokenDigest);
}

export function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

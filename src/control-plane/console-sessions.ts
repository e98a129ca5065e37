/**
 * The web console's sign-in sessions: a random id in an HttpOnly,
 * SameSite=Strict cookie stands for the admin token, which stays out of the
 * browser's reach after sign-in. Each session has a CSRF token that the
 * console sends back in a header on every change; a cross-site form or image
 * can neither read it nor set that header. Sessions live in memory: a restart
 * of the platform signs everyone out.
 */
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'mlaas_session';
/** The header a cookie-authenticated change must carry, with the session's CSRF token. */
export const CSRF_HEADER = 'x-mlaas-csrf';
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Bounds memory whatever a client does: the oldest session goes first. */
const MAX_SESSIONS = 1_000;

export interface ConsoleSession {
  id: string;
  csrfToken: string;
  expiresAtMs: number;
}

export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  create(): ConsoleSession {
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const session = { id: token(), csrfToken: token(), expiresAtMs: this.#now() + SESSION_TTL_MS };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session the request's Cookie header names, if any. */
  fromCookie(header: string | undefined): ConsoleSession | undefined {
    const id = cookieValue(header, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAtMs <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }
}

/** Set-Cookie for a new session. No `Secure`: the admin API listens on plain HTTP on loopback. */
export function sessionCookie(session: ConsoleSession): string {
  return `${SESSION_COOKIE}=${session.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function token(): string {
  return randomBytes(32).toString('base64url');
}

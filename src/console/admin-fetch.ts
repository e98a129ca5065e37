/**
 * How the console talks to the admin API: same-origin fetch with the
 * session cookie; every change carries the session's CSRF token (asked for
 * once, from `GET /v1/session`); a 401 sends the user to sign in; a
 * problem+json answer becomes an `AdminError` with its fields by path.
 */

export interface FieldError {
  path: string;
  message: string;
}

export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

const CSRF_HEADER = 'x-mlaas-csrf';
let csrfToken: string | undefined;

export async function adminFetch<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    csrfToken ??= (await adminFetch<{ csrfToken: string }>('GET', '/v1/session')).csrfToken;
    headers[CSRF_HEADER] = csrfToken;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? null : JSON.stringify(body) });
  if (res.status === 401) {
    location.assign('/sign-in');
    throw new AdminError(401, 'ADMIN_TOKEN_MISSING', 'signed out');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    throw new AdminError(res.status, String(data['code'] ?? ''), String(data['detail'] ?? data['title'] ?? res.statusText), (data['errors'] as FieldError[]) ?? []);
  }
  return data as T;
}

/** Exchanges the admin token for a session cookie; throws AdminError on a wrong token. */
export async function signIn(token: string): Promise<void> {
  const res = await fetch('/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ token }),
  });
  const data = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new AdminError(res.status, String(data['code'] ?? ''), String(data['detail'] ?? ''));
  csrfToken = String(data['csrfToken']);
}

export async function signOut(): Promise<void> {
  await adminFetch('DELETE', '/v1/session');
  csrfToken = undefined;
  location.assign('/sign-in');
}

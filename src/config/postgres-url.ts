/**
 * The `state: postgres://…` setting: how to recognise it, and how to name
 * the database it points at in a log line or an error without the password.
 */

const SCHEME = /^postgres(ql)?:\/\//;

/** `postgres://…` or `postgresql://…` (the forms libpq and pg accept). */
export function isPostgresUrl(text: string): boolean {
  return SCHEME.test(text);
}

/**
 * The URL with its password (in the user part or a `password=` parameter)
 * replaced by `***`; works on text that is not a valid URL, or not a
 * postgres:// one, too.
 *
 * @example
 * redactPostgresUrl('postgres://app:s3cret@db:5432/mlaas'); // 'postgres://app:***@db:5432/mlaas'
 */
export function redactPostgresUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i, '$1***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * libpq takes a URL with no host (`postgres://app@/mlaas?host=/run/postgresql`);
 * WHATWG's URL does not, so such a one is read with a placeholder host.
 */
const NO_HOST = 'no-host.invalid';

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url.replace(/^([a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?)(?=[/?#]|$)/i, `$1${NO_HOST}`));
  } catch {
    return undefined;
  }
}

/** The password the URL carries, if any: to scrub it from a message that might quote it. */
export function passwordOf(url: string): string | undefined {
  const parsed = parseUrl(url);
  if (parsed === undefined) return undefined;
  const password = parsed.password === '' ? parsed.searchParams.get('password') : decodeURIComponent(parsed.password);
  return password === null || password === '' ? undefined : password;
}

/**
 * Where the server is, `host:port` (a socket directory given as `?host=` counts as the host).
 *
 * @example
 * postgresAddress('postgres://app@127.0.0.1/mlaas'); // '127.0.0.1:5432'
 */
export function postgresAddress(url: string): string {
  const parsed = parseUrl(url);
  if (parsed === undefined) return redactPostgresUrl(url);
  const host = parsed.hostname !== NO_HOST ? parsed.hostname : (parsed.searchParams.get('host') ?? 'localhost');
  return `${host}:${parsed.port !== '' ? parsed.port : (parsed.searchParams.get('port') ?? '5432')}`;
}

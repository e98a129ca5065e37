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
 * replaced by `***`; works on text that is not a valid URL, too.
 *
 * @example
 * redactPostgresUrl('postgres://app:s3cret@db:5432/mlaas'); // 'postgres://app:***@db:5432/mlaas'
 */
export function redactPostgresUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/?#]*:)[^@/?#]*@/, '$1***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The password the URL carries, if any: to scrub it from a message that might quote it. */
export function passwordOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const password = parsed.password === '' ? parsed.searchParams.get('password') : decodeURIComponent(parsed.password);
    return password === null || password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

/**
 * Where the server is, `host:port` (a socket directory given as `?host=` counts as the host).
 *
 * @example
 * postgresAddress('postgres://app@127.0.0.1/mlaas'); // '127.0.0.1:5432'
 */
export function postgresAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname !== '' ? parsed.hostname : (parsed.searchParams.get('host') ?? 'localhost');
    return `${host}:${parsed.port !== '' ? parsed.port : (parsed.searchParams.get('port') ?? '5432')}`;
  } catch {
    return redactPostgresUrl(url);
  }
}

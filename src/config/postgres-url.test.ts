import { describe, expect, it } from 'vitest';
import { isPostgresUrl, passwordOf, postgresAddress, redactPostgresUrl } from './postgres-url.js';

describe('postgres-url', () => {
  it('recognises both schemes libpq takes', () => {
    expect(isPostgresUrl('postgres://db/mlaas')).toBe(true);
    expect(isPostgresUrl('postgresql://db/mlaas')).toBe(true);
    expect(isPostgresUrl('sqlite://state.db')).toBe(false);
  });

  it('redacts a password in the user part or as a parameter, and leaves a URL without one as it is', () => {
    expect(redactPostgresUrl('postgres://app:s3cret@db:5432/mlaas')).toBe('postgres://app:***@db:5432/mlaas');
    expect(redactPostgresUrl('postgres://app@db/mlaas?sslmode=require&password=s3cret')).toBe('postgres://app@db/mlaas?sslmode=require&password=***');
    expect(redactPostgresUrl('postgres://app@db/mlaas')).toBe('postgres://app@db/mlaas');
  });

  it('finds the password to scrub, percent-decoded', () => {
    expect(passwordOf('postgres://app:p%40ss@db/mlaas')).toBe('p@ss');
    expect(passwordOf('postgres://app@db/mlaas?password=x')).toBe('x');
    expect(passwordOf('postgres://app@db/mlaas')).toBeUndefined();
  });

  it('names the server as host:port, with the default port and a socket directory', () => {
    expect(postgresAddress('postgres://app:s3cret@10.0.0.5:6432/mlaas')).toBe('10.0.0.5:6432');
    expect(postgresAddress('postgres://app@db.internal/mlaas')).toBe('db.internal:5432');
    expect(postgresAddress('postgres://app@/mlaas?host=/var/run/postgresql')).toBe('/var/run/postgresql:5432');
  });
});

import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { flagNamesOf, flagOf, type FlagNames } from './flag-names.js';

const FLAGS: FlagNames = { expiresAt: '--expires-at', quota: '--quota', 'quota.burst': '--burst', scopes: '--scope' };

describe('flagOf', () => {
  it('names the flag of a field, of a field inside it, and of an item of it', () => {
    expect(flagOf('expiresAt', FLAGS)).toBe('--expires-at');
    expect(flagOf('quota.requestsPerMinute', FLAGS)).toBe('--quota');
    expect(flagOf('scopes[1]', FLAGS)).toBe('--scope');
  });

  it('prefers the longest field that holds the path', () => {
    expect(flagOf('quota.burst', FLAGS)).toBe('--burst');
  });

  it('names nothing for a field the command does not set, or one that only starts like it', () => {
    expect(flagOf('description', FLAGS)).toBeUndefined();
    expect(flagOf('expiresAtLatest', FLAGS)).toBeUndefined();
  });
});

describe('flagNamesOf', () => {
  it('reports the issues of a body check under the flags, and the flags in the detail', () => {
    const err = new MlaasError('ADMIN_BODY_INVALID', 'body has 2 errors', {
      errors: [
        { path: 'expiresAt', message: 'must be in the future' },
        { path: 'quota.requestsPerMinute', message: 'expected ≥ 1, got 0' },
      ],
    });
    const named = flagNamesOf(err, FLAGS);
    expect(named.code).toBe('ADMIN_BODY_INVALID');
    expect(named.message).toBe('invalid --expires-at, --quota');
    expect(named.errors).toEqual([
      { path: '--expires-at', message: 'must be in the future' },
      { path: '--quota', message: 'expected ≥ 1, got 0' },
    ]);
  });

  it('keeps the detail of a specific check and the paths it cannot name', () => {
    const err = new MlaasError('TRAFFIC_INVALID', 'traffic for echo is invalid', {
      errors: [
        { path: 'scopes[0]', message: 'no such service' },
        { path: 'sticky', message: 'expected a boolean' },
      ],
    });
    const named = flagNamesOf(err, FLAGS);
    expect(named.message).toBe('traffic for echo is invalid');
    expect(named.errors?.map((e) => e.path)).toEqual(['--scope', 'sticky']);
  });

  it('leaves an error without issues as it is', () => {
    const err = new MlaasError('ADMIN_NOT_FOUND', 'no tenant nosuch');
    expect(flagNamesOf(err, FLAGS)).toBe(err);
  });
});

import { describe, expect, it } from 'vitest';
import { compileRoutes } from './route-table.js';

const table = compileRoutes([
  { path: '/v1/users/me', method: 'GET', name: 'me' },
  { path: '/v1/users/{id}', method: 'GET', name: 'user' },
  { path: '/v1/users/{id}', method: 'DELETE', name: 'delete-user' },
  { path: '/v1/files/{path=**}', method: 'GET', name: 'file' },
]);

describe('compileRoutes', () => {
  it('prefers the literal path over a template', () => {
    const m = table.match('GET', '/v1/users/me');
    expect(m.kind === 'found' && m.route.name).toBe('me');
  });

  it('binds and decodes template parameters', () => {
    const m = table.match('GET', '/v1/users/a%20b');
    expect(m).toMatchObject({ kind: 'found', route: { name: 'user' }, params: { id: 'a b' } });
  });

  it('matches the rest of the path with {name=**}', () => {
    expect(table.match('GET', '/v1/files/a/b/c.txt')).toMatchObject({ params: { path: 'a/b/c.txt' } });
  });

  it('answers method-not-allowed with every allowed method', () => {
    expect(table.match('POST', '/v1/users/7')).toEqual({ kind: 'method-not-allowed', allow: 'GET, DELETE' });
  });

  it('serves HEAD from GET and finds nothing for unknown paths', () => {
    expect(table.match('HEAD', '/v1/users/7').kind).toBe('found');
    expect(table.match('GET', '/v1/users/7/extra').kind).toBe('not-found');
  });
});

import { describe, expect, it } from 'vitest';
import { compileRoutes } from './route-table.js';

const table = compileRoutes([
  { path: '/v1/users/me', method: 'GET', name: 'me' },
  { path: '/v1/users/{id}', method: 'GET', name: 'user' },
  { path: '/v1/users/{id}', method: 'DELETE', name: 'delete-user' },
  { path: '/v1/files/{path=**}', method: 'GET', name: 'file' },
  { path: '/v1/shelves/{shelf=*}/books/{book}', method: 'GET', name: 'book' },
  { path: '/v1/jobs/{name}:cancel', method: 'POST', name: 'cancel' },
  { path: '/v1/blobs/{rest=**}:upload', method: 'POST', name: 'upload' },
  { path: '/v1/any/*/thing', method: 'GET', name: 'wild' },
  { path: '/', method: 'GET', name: 'root' },
]);

describe('compileRoutes: literal paths', () => {
  it('prefers the literal path over a template', () => {
    const m = table.match('GET', '/v1/users/me');
    expect(m.kind === 'found' && m.route.name).toBe('me');
  });

  it('matches a literal path with one trailing slash, not two (ESPv2)', () => {
    expect(table.match('GET', '/v1/users/me/')).toMatchObject({ kind: 'found', route: { name: 'me' } });
    expect(table.match('GET', '/v1/users/me//').kind).toBe('not-found');
  });

  it('matches the root only as "/"', () => {
    expect(table.match('GET', '/')).toMatchObject({ kind: 'found', route: { name: 'root' } });
  });
});

describe('compileRoutes: {var} and {var=*}', () => {
  it('binds one segment, as the caller wrote it', () => {
    expect(table.match('GET', '/v1/users/a%20b')).toMatchObject({ kind: 'found', route: { name: 'user' }, params: { id: 'a%20b' } });
    expect(table.match('GET', '/v1/shelves/1/books/2')).toMatchObject({ route: { name: 'book' }, params: { shelf: '1', book: '2' } });
  });

  it('accepts one trailing slash and keeps it out of the value; two are a 404', () => {
    expect(table.match('GET', '/v1/users/7/')).toMatchObject({ kind: 'found', route: { name: 'user' }, params: { id: '7' } });
    expect(table.match('GET', '/v1/shelves/1/books/2/')).toMatchObject({ params: { shelf: '1', book: '2' } });
    expect(table.match('GET', '/v1/users/7//').kind).toBe('not-found');
  });

  it('never matches an empty segment or more than one', () => {
    expect(table.match('GET', '/v1/shelves//books/2').kind).toBe('not-found');
    expect(table.match('GET', '/v1/shelves/1/2/books/3').kind).toBe('not-found');
    expect(table.match('GET', '/v1/users/7/extra').kind).toBe('not-found');
  });

  it('does not treat %2F as a segment separator', () => {
    expect(table.match('GET', '/v1/users/a%2Fb')).toMatchObject({ route: { name: 'user' }, params: { id: 'a%2Fb' } });
  });

  it('matches a bare * segment without binding it', () => {
    expect(table.match('GET', '/v1/any/x/thing')).toEqual({ kind: 'found', route: expect.objectContaining({ name: 'wild' }), params: undefined });
  });
});

describe('compileRoutes: {var=**}', () => {
  it('binds the rest of the path, slashes included', () => {
    expect(table.match('GET', '/v1/files/a/b/c.txt')).toMatchObject({ params: { path: 'a/b/c.txt' } });
  });

  it('binds zero segments after the slash, but needs the slash', () => {
    expect(table.match('GET', '/v1/files/')).toMatchObject({ kind: 'found', params: { path: '' } });
    expect(table.match('GET', '/v1/files').kind).toBe('not-found');
  });

  it('leaves trailing slashes out of the value (ESPv2 drops empty trailing segments)', () => {
    expect(table.match('GET', '/v1/files/a/b/')).toMatchObject({ params: { path: 'a/b' } });
    expect(table.match('GET', '/v1/files/a/b///')).toMatchObject({ params: { path: 'a/b' } });
  });

  it('keeps a slash before a custom verb in the value, as ESPv2 does', () => {
    expect(table.match('POST', '/v1/blobs/x/9/8:upload')).toMatchObject({ route: { name: 'upload' }, params: { rest: 'x/9/8' } });
    expect(table.match('POST', '/v1/blobs/x/9/8/:upload')).toMatchObject({ params: { rest: 'x/9/8/' } });
  });
});

describe('compileRoutes: custom verbs', () => {
  it('matches the verb after the last segment, with the optional slash before it', () => {
    expect(table.match('POST', '/v1/jobs/j1:cancel')).toMatchObject({ route: { name: 'cancel' }, params: { name: 'j1' } });
    expect(table.match('POST', '/v1/jobs/j1/:cancel')).toMatchObject({ params: { name: 'j1' } });
    expect(table.match('POST', '/v1/jobs/j1:restart').kind).toBe('not-found');
  });
});

describe('compileRoutes: order and methods', () => {
  it('tries literal before * before ** at the first differing segment, whatever the document order', () => {
    const t = compileRoutes([
      { path: '/allow-all/{double=**}', method: 'POST', name: 'double' },
      { path: '/allow-all/{single=*}', method: 'POST', name: 'single' },
      { path: '/allow-all/exact-match', method: 'POST', name: 'exact' },
      { path: '/a/{x}/b', method: 'GET', name: 'x-then-b' },
      { path: '/a/me/{y}', method: 'GET', name: 'me-then-y' },
    ]);
    const name = (method: string, path: string) => {
      const m = t.match(method, path);
      return m.kind === 'found' ? m.route.name : m.kind;
    };
    expect(name('POST', '/allow-all/exact-match')).toBe('exact');
    expect(name('POST', '/allow-all/one')).toBe('single');
    expect(name('POST', '/allow-all/one/')).toBe('single');
    expect(name('POST', '/allow-all/one/two')).toBe('double');
    expect(name('GET', '/a/me/b')).toBe('me-then-y');
  });

  it('passes a request whose method the first matching template lacks on to the next one', () => {
    const t = compileRoutes([
      { path: '/v1/items/{id}', method: 'GET', name: 'get' },
      { path: '/{rest=**}', method: 'POST', name: 'catch-all' },
    ]);
    expect(t.match('POST', '/v1/items/3')).toMatchObject({ kind: 'found', route: { name: 'catch-all' } });
  });

  it('answers method-not-allowed with every method of every matching path', () => {
    expect(table.match('POST', '/v1/users/7')).toEqual({ kind: 'method-not-allowed', allow: 'GET, DELETE' });
    const t = compileRoutes([
      { path: '/v1/items/list', method: 'GET', name: 'list' },
      { path: '/v1/items/{id}', method: 'DELETE', name: 'delete' },
    ]);
    expect(t.match('PUT', '/v1/items/list')).toEqual({ kind: 'method-not-allowed', allow: 'GET, DELETE' });
  });

  it('serves HEAD from GET', () => {
    expect(table.match('HEAD', '/v1/users/7').kind).toBe('found');
  });
});

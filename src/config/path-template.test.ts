import { describe, expect, it } from 'vitest';
import { compareTemplates, parsePathTemplate, templateKey, type PathTemplate } from './path-template.js';

function template(path: string): PathTemplate {
  const parsed = parsePathTemplate(path);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.template;
}

function refusal(path: string): string {
  const parsed = parsePathTemplate(path);
  if (parsed.ok) throw new Error(`${path} was accepted`);
  return parsed.message;
}

describe('parsePathTemplate: the forms Google documents', () => {
  it('reads {var} and {var=*} as one segment, {var=**} as the rest', () => {
    expect(template('/shelves/{shelf}/books/{book=*}').segments).toEqual([
      { kind: 'literal', text: 'shelves' },
      { kind: 'one', name: 'shelf' },
      { kind: 'literal', text: 'books' },
      { kind: 'one', name: 'book' },
    ]);
    expect(template('/files/{path=**}').segments).toEqual([
      { kind: 'literal', text: 'files' },
      { kind: 'rest', name: 'path' },
    ]);
  });

  it('reads bare * and ** as unnamed wildcards, dotted field paths as names, and a custom verb', () => {
    expect(template('/a/*/b/**').segments.map((s) => s.kind)).toEqual(['literal', 'one', 'literal', 'rest']);
    expect(template('/books/{book.id}').segments[1]).toEqual({ kind: 'one', name: 'book.id' });
    expect(template('/v1/{name}:cancel')).toMatchObject({ verb: 'cancel' });
    expect(template('/v1/models:predict')).toEqual({ segments: [{ kind: 'literal', text: 'v1' }, { kind: 'literal', text: 'models' }], verb: 'predict' });
    expect(template('/')).toEqual({ segments: [], verb: undefined });
  });

  it('gives templates that match the same requests the same key', () => {
    expect(templateKey(template('/a/{x}'))).toBe(templateKey(template('/a/{y=*}')));
    expect(templateKey(template('/a/{x=**}'))).toBe(templateKey(template('/a/**')));
    expect(templateKey(template('/a/{x}'))).not.toBe(templateKey(template('/a/{x=**}')));
  });
});

describe('parsePathTemplate: what it refuses, and says why', () => {
  it('refuses ** anywhere but last', () => {
    expect(refusal('/files/{path=**}/meta')).toMatch(/must be the last segment/);
    expect(refusal('/a/**/b')).toMatch(/must be the last segment/);
  });

  it('refuses a variable inside a segment, as Google does', () => {
    expect(refusal('/items/overview.{format}')).toMatch(/whole segment/);
    expect(refusal('/items/prefix_{id}_suffix')).toMatch(/whole segment/);
    expect(refusal('/items/{id}.json')).toMatch(/whole segment/);
  });

  it('refuses bindings mlaas does not implement, naming them', () => {
    expect(refusal('/v1/{name=shelves/*}')).toMatch(/binds a variable to "shelves\/\*".*not multi-segment or literal bindings/);
    expect(refusal('/v1/{name=books}')).toMatch(/not multi-segment or literal bindings/);
  });

  it('refuses empty segments, a trailing slash, a repeated name and a stray colon', () => {
    expect(refusal('/a//b')).toMatch(/empty segment/);
    expect(refusal('/a/')).toMatch(/may not end in "\/"/);
    expect(refusal('/a/{x}/b/{x}')).toMatch(/"x" appears twice/);
    expect(refusal('/a:b/c')).toMatch(/custom verb after the last segment/);
    expect(refusal('/a/{x')).toMatch(/no "}" closes/);
    expect(refusal('/a/{=x}')).toMatch(/variable name/);
  });
});

describe('compareTemplates: ESPv2’s order', () => {
  const order = (...paths: string[]) => paths.map(template).sort(compareTemplates).map(templateKey);

  it('puts literal before * before ** at the first differing segment', () => {
    expect(order('/a/{x=**}', '/a/{x}', '/a/b')).toEqual(['/a/b', '/a/*', '/a/**']);
    expect(order('/a/{x}/b', '/a/me/{y}')).toEqual(['/a/me/*', '/a/*/b']);
  });

  it('puts the shorter template first, except after **, where the verb comes first', () => {
    expect(order('/a/{x}/b', '/a/{x}')).toEqual(['/a/*', '/a/*/b']);
    expect(order('/a/{x=**}', '/a/{x=**}:upload')).toEqual(['/a/**:upload', '/a/**']);
  });
});

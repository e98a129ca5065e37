import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, pathDeeperThan } from './json-depth.js';

const nest = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

describe('pathDeeperThan', () => {
  it('accepts exactly MAX_JSON_DEPTH levels and names the first container beyond them', () => {
    expect(pathDeeperThan(nest(MAX_JSON_DEPTH))).toBeUndefined();
    expect(pathDeeperThan(nest(MAX_JSON_DEPTH + 1))).toBe('[0]'.repeat(MAX_JSON_DEPTH));
  });

  it('walks past shallow siblings to the deep one and clips a long key in the path', () => {
    const key = 'k'.repeat(1000);
    expect(pathDeeperThan({ a: [1, { b: 2 }], [key]: [[[]]] }, 3)).toBe(`${'k'.repeat(32)}...[0][0]`);
    expect(pathDeeperThan(JSON.parse('{"a": [[1]]}'), 2)).toBe('a[0]');
    expect(pathDeeperThan('text')).toBeUndefined();
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(pathDeeperThan(nest(100_000))?.length).toBe(3 * MAX_JSON_DEPTH);
  });
});

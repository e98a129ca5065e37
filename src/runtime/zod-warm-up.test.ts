import ort from 'onnxruntime-node';
import * as zod from 'zod';
import { describe, expect, it } from 'vitest';
import { isZod, warmUpZod } from './zod-warm-up.js';

describe('the zod warm-up of a pooled runtime', () => {
  it('warms up zod, whether imported as its namespace or its default export, and nothing else a host preloads', () => {
    expect(isZod(zod)).toBe(true);
    expect(isZod(zod.default)).toBe(true);
    expect(isZod(ort)).toBe(false);
    expect(isZod(undefined)).toBe(false);
    expect(warmUpZod(zod.z)).toBe(true);
  });

  it('never fails the pooled process: a zod of another shape is left as it is', () => {
    const other = { object: () => ({}), string: () => ({}), toJSONSchema: () => ({}) } as unknown as Parameters<typeof warmUpZod>[0];
    expect(isZod(other)).toBe(true);
    expect(warmUpZod(other)).toBe(false);
  });
});

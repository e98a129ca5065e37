import { describe, expect, it } from 'vitest';
import { trainSpamFilter } from './train-spam-filter.js';

describe('trainSpamFilter', () => {
  it('reaches at least 97% accuracy on the held-out 20% of the SpamAssassin corpus', () => {
    const { test, train } = trainSpamFilter();
    expect(test.examples + train.examples).toBe(6046);
    expect(test.examples).toBe(1209);
    expect(test.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(test.precision).toBeGreaterThanOrEqual(0.95);
    expect(test.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('gives the same weights for the same seed, and learns something from a small sample', () => {
    const a = trainSpamFilter({ limit: 400, epochs: 30 });
    const b = trainSpamFilter({ limit: 400, epochs: 30 });
    expect(Buffer.from(a.model.weights.buffer).equals(Buffer.from(b.model.weights.buffer))).toBe(true);
    expect(a.model.bias).toBe(b.model.bias);
    expect(a.test.examples).toBe(80);
    expect(a.test.accuracy).toBeGreaterThan(0.85);
  });
});

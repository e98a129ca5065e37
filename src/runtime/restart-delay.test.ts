import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_BACKOFF, restartDelay } from './restart-delay.js';

describe('restartDelay', () => {
  it('starts at initialMs and doubles with each consecutive failure', () => {
    expect([0, 1, 2, 3, 4].map((n) => restartDelay(n, DEFAULT_RESTART_BACKOFF))).toEqual([200, 400, 800, 1600, 3200]);
  });

  it('never waits longer than maxMs', () => {
    expect(restartDelay(8, DEFAULT_RESTART_BACKOFF)).toBe(30_000);
    expect(restartDelay(1_000, DEFAULT_RESTART_BACKOFF)).toBe(30_000);
  });

  it('treats a negative or fractional attempt as the nearest valid one', () => {
    expect(restartDelay(-3, DEFAULT_RESTART_BACKOFF)).toBe(200);
    expect(restartDelay(1.7, { initialMs: 100, maxMs: 1_000, factor: 3 })).toBe(300);
  });
});

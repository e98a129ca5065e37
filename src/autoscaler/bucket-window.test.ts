import { describe, expect, it } from 'vitest';
import { EMPTY_WINDOW, recordInWindow, windowAverage, windowIsEmpty, type BucketWindow } from './bucket-window.js';

const WINDOW = 10_000;

/** Records `values[i]` at second `from + i`. */
function recorded(values: number[], from = 0, start: BucketWindow = EMPTY_WINDOW): BucketWindow {
  return values.reduce((w, v, i) => recordInWindow(w, WINDOW, (from + i) * 1000, v), start);
}

describe('window average (Knative WindowAverage, linear over 1 s buckets)', () => {
  it.each([
    // A full window of 10 buckets: (10 × 3) / 10.
    { name: 'full window', window: recorded(Array(12).fill(3)), now: 11_000, want: 3 },
    // Only the last 10 s count: seconds 2–11 hold 0,0,…,0,10,10 → 20 / 10.
    { name: 'older buckets drop out', window: recorded([50, 50, ...Array(8).fill(0), 10, 10]), now: 11_000, want: 2 },
    // A 4 s old run is averaged over its 4 buckets, not the 10 of the window.
    { name: 'young run over its own length', window: recorded([4, 8, 8, 4]), now: 3_000, want: 6 },
    // Samples 0–11 s, asked at 14 s: buckets 5–11 remain (42), and the 3 trailing seconds without
    // samples leave the divisor: 42 / (10 − 3) = 6, not 42 / 10.
    { name: 'trailing gap left out', window: recorded(Array(12).fill(6)), now: 14_000, want: 6 },
    // A gap inside the run counts as 0: samples 10 at 0 s and 10 at 9 s → 20 / 10.
    { name: 'inner gap counts as zero', window: recorded([10], 9, recorded([10])), now: 9_000, want: 2 },
    // Two samples in one bucket are averaged: (2 + 4) / 2 = 3.
    { name: 'same bucket averaged', window: recordInWindow(recorded([2]), WINDOW, 500, 4), now: 0, want: 3 },
    // No sample for a whole window: 0.
    { name: 'stale', window: recorded([9, 9]), now: 11_000, want: 0 },
  ])('$name → $want', ({ window, now, want }) => {
    expect(windowAverage(window, WINDOW, now)).toBe(want);
  });

  it('a sample after a whole window of silence starts a new run', () => {
    const window = recorded([1], 30, recorded([100, 100]));
    expect(window.firstWriteMs).toBe(30_000);
    expect(windowAverage(window, WINDOW, 30_000)).toBe(1);
  });

  it('is empty before any sample and a whole window after the last', () => {
    expect(windowIsEmpty(EMPTY_WINDOW, WINDOW, 0)).toBe(true);
    expect(windowIsEmpty(recorded([1]), WINDOW, 9_999)).toBe(false);
    expect(windowIsEmpty(recorded([1]), WINDOW, 10_000)).toBe(true);
  });
});

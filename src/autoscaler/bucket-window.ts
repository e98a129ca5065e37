/**
 * A time window of one-second buckets and its plain (linear) average, as
 * Knative's `aggregation.TimedFloat64Buckets.WindowAverage` computes it — the
 * averaging Knative's metric collector uses by default for both the stable
 * and the panic window (its weighted-exponential buckets are not the default).
 * Immutable: recording returns a new window, so decider states can be kept,
 * compared and replayed in tests.
 */

/** Knative's `BucketSize`: the scrape interval, one second. */
export const BUCKET_MS = 1000;

interface Bucket {
  readonly atMs: number;
  readonly sum: number;
  readonly count: number;
}

export interface BucketWindow {
  /** Ascending by time; only buckets still inside the window of `lastWriteMs`. */
  readonly buckets: readonly Bucket[];
  /** Start of the current run of data; reset after a whole window without samples. */
  readonly firstWriteMs: number | undefined;
  readonly lastWriteMs: number | undefined;
}

export const EMPTY_WINDOW: BucketWindow = Object.freeze({ buckets: [], firstWriteMs: undefined, lastWriteMs: undefined });

function bucketStart(ms: number): number {
  return Math.floor(ms / BUCKET_MS) * BUCKET_MS;
}

/** The window rounded up to whole buckets, as Knative sizes its ring. */
function span(windowMs: number): number {
  return Math.ceil(windowMs / BUCKET_MS) * BUCKET_MS;
}

/**
 * Adds one sample of the revision's total concurrency. Samples that share a
 * bucket are averaged: each is already a total over all instances (Knative sums
 * within a bucket because there each stat comes from a different pod).
 */
export function recordInWindow(window: BucketWindow, windowMs: number, atMs: number, value: number): BucketWindow {
  const at = bucketStart(atMs);
  const width = span(windowMs);
  const { lastWriteMs, firstWriteMs } = window;
  if (lastWriteMs !== undefined && at <= lastWriteMs - width) return window;
  // A whole window without data starts a new run, so the average again covers only the samples seen.
  const fresh = lastWriteMs === undefined || firstWriteMs === undefined || at - lastWriteMs >= width;
  const last = fresh ? at : Math.max(lastWriteMs, at);
  const first = fresh ? at : Math.min(firstWriteMs, at);
  const kept = fresh ? [] : window.buckets.filter((b) => b.atMs > last - width);
  const index = kept.findIndex((b) => b.atMs >= at);
  const existing = index >= 0 ? kept[index] : undefined;
  const buckets =
    existing?.atMs === at
      ? kept.map((b, i) => (i === index ? { atMs: at, sum: b.sum + value, count: b.count + 1 } : b))
      : index >= 0
        ? [...kept.slice(0, index), { atMs: at, sum: value, count: 1 }, ...kept.slice(index)]
        : [...kept, { atMs: at, sum: value, count: 1 }];
  return { buckets, firstWriteMs: first, lastWriteMs: last };
}

/** True when no sample fell within the window ending at `nowMs` (Knative's `ErrNoData`). */
export function windowIsEmpty(window: BucketWindow, windowMs: number, nowMs: number): boolean {
  return window.lastWriteMs === undefined || bucketStart(nowMs) - window.lastWriteMs >= span(windowMs);
}

/**
 * The average bucket value over the window ending at `nowMs`. Like Knative:
 * a run of data younger than the window is averaged over its own length
 * (a revision 6 s old is judged on 6 s, not diluted over 60 s); buckets
 * missing inside the run count as 0; a trailing stretch without samples is left
 * out of the divisor; no sample for a whole window gives 0.
 */
export function windowAverage(window: BucketWindow, windowMs: number, nowMs: number): number {
  const { lastWriteMs, firstWriteMs } = window;
  if (lastWriteMs === undefined || firstWriteMs === undefined || windowIsEmpty(window, windowMs, nowMs)) return 0;
  const width = span(windowMs);
  const now = bucketStart(nowMs);
  const end = Math.max(now, lastWriteMs);
  let total = 0;
  for (const b of window.buckets) if (b.atMs > end - width) total += b.sum / b.count;
  const trailing = Math.max(0, now - lastWriteMs) / BUCKET_MS;
  const run = (lastWriteMs - firstWriteMs) / BUCKET_MS + 1;
  const divisor = Math.min(run, width / BUCKET_MS - trailing);
  return floorTo6(total / divisor);
}

/**
 * Knative (up to v1.x) floors averages to 6 decimals; it keeps float noise such
 * as 0.1 + 0.2 from pushing a ceil() in `decide` one instance too high.
 */
function floorTo6(value: number): number {
  return Math.floor(value * 1e6 + 1e-6) / 1e6;
}

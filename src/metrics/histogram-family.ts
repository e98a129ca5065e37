/**
 * A Prometheus histogram whose children the caller keeps (see
 * counter-family.ts): `observe` is a scan of a few bucket bounds and three
 * number updates, no label hashing, no allocation.
 */
import type { Registry } from 'prom-client';
import type { PromValue } from './counter-family.js';
import { MetricFamily, type FamilyOptions } from './metric-family.js';

/** Seconds, from a fast in-process hop to a cold start: Knative's and prom-client's defaults, widened. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

export class HistogramChild {
  /** Observations per bucket, not cumulative; the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily extends MetricFamily<HistogramChild> {
  readonly #bounds: readonly number[];

  constructor(options: FamilyOptions & { registry: Registry; buckets?: readonly number[] }) {
    super('histogram', options);
    this.#bounds = options.buckets ?? LATENCY_BUCKETS;
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.#bounds);
  }

  protected zero(child: HistogramChild): void {
    child.counts.fill(0);
    child.sum = 0;
    child.count = 0;
  }

  protected render(labels: Record<string, string>, child: HistogramChild): PromValue[] {
    const out: PromValue[] = [];
    let cumulative = 0;
    child.bounds.forEach((le, i) => {
      cumulative += child.counts[i] as number;
      out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative });
    });
    out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: child.count });
    out.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
    out.push({ metricName: `${this.name}_count`, labels, value: child.count });
    return out;
  }
}

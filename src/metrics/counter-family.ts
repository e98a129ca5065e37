/**
 * A Prometheus counter whose children are plain objects kept by the caller:
 * `child(...)` is called once per label set (at config load, or the first
 * time a set is seen) and the hot path does `child.value += 1` — no label
 * hashing, no allocation. prom-client's own `labels().inc()` hashes the labels
 * on every call; this family renders through a prom-client Registry all the same.
 */
import type { Registry } from 'prom-client';
import { MetricFamily, type FamilyOptions } from './metric-family.js';

export interface CounterChild {
  value: number;
}

export class CounterFamily extends MetricFamily<CounterChild> {
  constructor(options: FamilyOptions & { registry: Registry }) {
    super('counter', options);
  }

  protected create(): CounterChild {
    return { value: 0 };
  }

  protected zero(child: CounterChild): void {
    child.value = 0;
  }

  protected render(labels: Record<string, string>, child: CounterChild): PromValue[] {
    return [{ labels, value: child.value }];
  }
}

export interface PromValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

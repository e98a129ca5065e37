// The console's history: rates, quantiles and instances per service from the gateway's counters, one sample per tick.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterFamily } from '../metrics/counter-family.js';
import { HistogramFamily } from '../metrics/histogram-family.js';
import { quantileMs, SAMPLES_KEPT, ServiceSeries } from './service-series.js';

function gateway(): { registry: Registry; requests: CounterFamily; duration: HistogramFamily } {
  const registry = new Registry();
  const labelNames = ['service', 'revision', 'route'];
  return {
    registry,
    requests: new CounterFamily({ registry, name: 'mlaas_gateway_requests_total', help: 'h', labelNames: [...labelNames, 'status_class'] }),
    duration: new HistogramFamily({ registry, name: 'mlaas_gateway_request_duration_seconds', help: 'h', labelNames, buckets: [0.01, 0.1, 1] }),
  };
}

describe('ServiceSeries', () => {
  it('turns counters into requests/s, 5xx/s, p50/p99 and ready instances per service, summed over revisions', async () => {
    const { registry, requests, duration } = gateway();
    let now = 1_000_000;
    const series = new ServiceSeries({ registry, readyInstances: () => new Map([['spam', 2]]), now: () => now });
    await series.start();
    series.stop();
    requests.child('spam', 'spam-00001', 'predict', '2xx').value += 40;
    requests.child('spam', 'spam-00002', 'predict', '5xx').value += 10;
    for (let i = 0; i < 50; i++) duration.child('spam', i < 25 ? 'spam-00001' : 'spam-00002', 'predict').observe(i < 49 ? 0.005 : 0.5);
    now += 5_000;
    await series.sample();
    const { services, lastMinute } = series.snapshot();
    expect(services['spam']).toEqual({ t: [now], rps: [10], errorsPerSecond: [2], p50Ms: [5.1], p99Ms: [550], instances: [2] });
    expect(lastMinute['spam']).toEqual({ rps: 10, errorsPerSecond: 2, p50Ms: 5.1, p99Ms: 550 });
    // A quiet window: no rate, and no latency to speak of rather than a made-up one.
    now += 5_000;
    await series.sample();
    expect(series.snapshot().services['spam']).toMatchObject({ rps: [10, 0], p99Ms: [550, null], instances: [2, 2] });
    expect(series.snapshot().lastMinute['spam']).toMatchObject({ rps: 5 });
  });

  it('keeps the last 15 minutes only', async () => {
    const { registry } = gateway();
    let now = 0;
    const series = new ServiceSeries({ registry, readyInstances: () => new Map([['spam', 1]]), now: () => now });
    for (let i = 0; i <= SAMPLES_KEPT + 20; i++) {
      now += 5_000;
      await series.sample();
    }
    const t = series.snapshot().services['spam']?.t ?? [];
    expect(t).toHaveLength(SAMPLES_KEPT);
    expect((t.at(-1) ?? 0) - (t[0] ?? 0)).toBe((SAMPLES_KEPT - 1) * 5_000);
  });
});

describe('quantileMs', () => {
  it('interpolates within the bucket the rank falls in, as histogram_quantile does', () => {
    const buckets: [number, number][] = [[0.01, 50], [0.1, 90], [1, 100], [Infinity, 100]];
    expect(quantileMs(0.5, buckets)).toBe(10);
    expect(quantileMs(0.7, buckets)).toBe(55);
    expect(quantileMs(0.99, buckets)).toBe(910);
  });

  it('answers the highest finite bound for a rank in +Inf, and null with no observation', () => {
    expect(quantileMs(0.99, [[0.1, 1], [Infinity, 10]])).toBe(100);
    expect(quantileMs(0.5, [[0.1, 0], [Infinity, 0]])).toBeNull();
  });
});

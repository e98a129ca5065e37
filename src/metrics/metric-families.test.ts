import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterFamily } from './counter-family.js';
import { HistogramFamily } from './histogram-family.js';

describe('precomputed metric families', () => {
  it('render kept children in the Prometheus text format, with cumulative buckets', async () => {
    const registry = new Registry();
    const requests = new CounterFamily({ registry, name: 'x_requests_total', help: 'Requests.', labelNames: ['service', 'status_class'] });
    const latency = new HistogramFamily({ registry, name: 'x_seconds', help: 'Latency.', labelNames: ['service'], buckets: [0.1, 1] });
    const ok = requests.child('spam', '2xx');
    ok.value += 1;
    ok.value += 1;
    requests.child('spam', '5xx').value += 1;
    const h = latency.child('spam');
    for (const v of [0.05, 0.5, 0.7, 3]) h.observe(v);
    expect(requests.child('spam', '2xx')).toBe(ok);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE x_requests_total counter');
    expect(text).toContain('x_requests_total{service="spam",status_class="2xx"} 2');
    expect(text).toContain('x_requests_total{service="spam",status_class="5xx"} 1');
    expect(text).toContain('# TYPE x_seconds histogram');
    expect(text).toContain('x_seconds_bucket{service="spam",le="0.1"} 1');
    expect(text).toContain('x_seconds_bucket{service="spam",le="1"} 3');
    expect(text).toContain('x_seconds_bucket{service="spam",le="+Inf"} 4');
    expect(text).toContain('x_seconds_sum{service="spam"} 4.25');
    expect(text).toContain('x_seconds_count{service="spam"} 4');
  });

  it('forget the series of a retired label value and refuse a wrong number of labels', async () => {
    const registry = new Registry();
    const requests = new CounterFamily({ registry, name: 'y_total', help: 'Requests.', labelNames: ['revision'] });
    requests.child('a-00001').value = 3;
    requests.child('a-00002').value = 4;
    requests.remove({ revision: 'a-00001' });
    const text = await registry.metrics();
    expect(text).not.toContain('a-00001');
    expect(text).toContain('y_total{revision="a-00002"} 4');
    expect(() => requests.child('a', 'b')).toThrow(/expected 1 label values \(revision\), got 2/);
  });
});

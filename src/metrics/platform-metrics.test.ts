import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ScaleStatus } from '../autoscaler/autoscaler-loop.js';
import type { ShadowStats } from '../gateway/shadow-mirror.js';
import type { KeyStatus } from '../runtime/supervisor.js';
import { PlatformMetrics } from './platform-metrics.js';

const instance = (id: string, state: KeyStatus['instances'][number]['state']) =>
  ({ id, pid: 1, port: 1, state, startedAt: 0, readyAt: 0, restarts: 0, logFile: undefined }) as KeyStatus['instances'][number];

describe('PlatformMetrics', () => {
  it('reads instances, the autoscaler and shadow traffic at scrape time, and counts cold starts and model copies', async () => {
    const registry = new Registry();
    const instances: KeyStatus[] = [
      { key: 'spam-00002', service: 'spam', revision: 'spam-00002', desired: 3, ready: 2, instances: [instance('a', 'ready'), instance('b', 'ready'), instance('c', 'starting')] },
    ];
    const autoscaler = [{ key: 'spam-00002', desired: 3, ready: 2, panic: true } as ScaleStatus];
    const shadow = [{ service: 'spam', tag: 'next', revision: 'spam-00003', same: 8, different: 2, failed: 1, dropped: 0 } as ShadowStats];
    const metrics = new PlatformMetrics(registry, { instances: () => instances, autoscaler: () => autoscaler, shadow: () => shadow });
    metrics.coldStart('spam-00002', 1500);
    metrics.coldStart('spam-00002', 3000);
    metrics.modelLoaded('spam', 400);
    metrics.digestFailed('spam');
    const text = await registry.metrics();
    expect(text).toContain('mlaas_revision_instances{service="spam",revision="spam-00002",state="ready"} 2');
    expect(text).toContain('mlaas_revision_instances{service="spam",revision="spam-00002",state="starting"} 1');
    expect(text).toContain('mlaas_autoscaler_desired_instances{service="spam",revision="spam-00002"} 3');
    expect(text).toContain('mlaas_autoscaler_ready_instances{service="spam",revision="spam-00002"} 2');
    expect(text).toContain('mlaas_autoscaler_panic{service="spam",revision="spam-00002"} 1');
    expect(text).toContain('mlaas_shadow_requests_total{service="spam",revision="spam-00003",outcome="same"} 8');
    expect(text).toContain('mlaas_shadow_requests_total{service="spam",revision="spam-00003",outcome="different"} 2');
    expect(text).toContain('mlaas_cold_start_duration_seconds_count{revision="spam-00002"} 2');
    expect(text).toContain('mlaas_cold_start_duration_seconds_sum{revision="spam-00002"} 4.5');
    expect(text).toContain('mlaas_model_load_duration_seconds_count{model="spam"} 1');
    expect(text).toContain('mlaas_model_digest_failures_total{model="spam"} 1');
    expect(text).toMatch(/^process_cpu_seconds_total /m);

    // A later scrape sees the parts as they are then.
    instances.length = 0;
    autoscaler.length = 0;
    const later = await registry.metrics();
    expect(later).not.toContain('mlaas_revision_instances{');
    expect(later).not.toContain('mlaas_autoscaler_desired_instances{');
  });
});

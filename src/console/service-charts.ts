/** The three live charts of a service page: requests and errors per second, latency p50 / p99, ready instances (last 15 minutes). */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ServiceSamples } from './admin-types.js';
import { SeriesChart } from './series-chart.js';

export function ServiceCharts({ samples }: { samples: ServiceSamples | undefined }): VNode {
  if (samples === undefined || samples.t.length === 0) return html`<p class="hint">Charts appear after the first 5-second sample.</p>`;
  return html`<section class="charts">
    <${SeriesChart} title="Requests/s" unit="req/s" t=${samples.t}
      lines=${[{ label: 'requests/s', values: samples.rps, color: '#2563eb' }, { label: '5xx/s', values: samples.errorsPerSecond, color: '#dc2626' }]} />
    <${SeriesChart} title="Latency" unit="ms" t=${samples.t}
      lines=${[{ label: 'p50', values: samples.p50Ms, color: '#16a34a' }, { label: 'p99', values: samples.p99Ms, color: '#ea580c' }]} />
    <${SeriesChart} title="Ready instances" unit="instances" t=${samples.t}
      lines=${[{ label: 'instances', values: samples.instances, color: '#7c3aed' }]} />
  </section>`;
}

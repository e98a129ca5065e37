/** Overview: every service with what serves it, ready instances and its last minute's request rate, p99 and errors; refreshed every 5 s. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { adminFetch } from './admin-fetch.js';
import type { Figures, Series, ServiceSummary } from './admin-types.js';
import { formatMs, formatRate } from './figures-format.js';
import { followLink } from './navigate.js';
import { ProblemBox } from './problem-box.js';
import { usePoll } from './use-poll.js';

export const LIVE_INTERVAL_MS = 5_000;
const QUIET: Figures = { rps: 0, errorsPerSecond: 0, p50Ms: null, p99Ms: null };

export function OverviewPage(): VNode {
  const services = usePoll(() => adminFetch<{ items: ServiceSummary[] }>('GET', '/v1/services'), LIVE_INTERVAL_MS);
  const series = usePoll(() => adminFetch<Series>('GET', '/v1/console/series'), LIVE_INTERVAL_MS);
  const items = services.data?.items ?? [];
  return html`<main>
    <h1>Services</h1>
    <${ProblemBox} error=${services.error ?? series.error} />
    <table class="services">
      <thead><tr><th>Service</th><th>Serving</th><th>Ready</th><th>Requests (1 min)</th><th>p99</th><th>Errors (5xx)</th></tr></thead>
      <tbody>
        ${items.map((s) => {
          // A service the gateway has not counted a request for yet has served none.
          const f = series.data === undefined ? undefined : (series.data.lastMinute[s.name] ?? QUIET);
          return html`<tr data-service=${s.name}>
            <td><a href=${`/services/${encodeURIComponent(s.name)}`} onClick=${followLink}>${s.name}</a></td>
            <td>${s.serving.map((t) => html`<span class="pill">${t.revision} ${t.percent}%${t.tag ? ` @${t.tag}` : ''}</span>`)}</td>
            <td class="num ready">${s.readyInstances}</td>
            <td class="num">${formatRate(f?.rps)}</td>
            <td class="num">${formatMs(f?.p99Ms)}</td>
            <td class=${`num ${(f?.errorsPerSecond ?? 0) > 0 ? 'bad' : ''}`}>${formatRate(f?.errorsPerSecond)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${services.data !== undefined && items.length === 0 ? html`<p>No service yet: <code>mlaas deploy NAME</code> or <code>mlaas apply</code> makes one.</p>` : null}
  </main>`;
}

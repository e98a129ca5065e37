/** The audit log: every change, newest first, with who made it and what the store recorded of it; refreshed every 5 s. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { adminFetch } from './admin-fetch.js';
import type { AuditEntry } from './admin-types.js';
import { formatTime } from './figures-format.js';
import { LIVE_INTERVAL_MS } from './overview-page.js';
import { ProblemBox } from './problem-box.js';
import { usePoll } from './use-poll.js';

export function AuditPage(): VNode {
  const audit = usePoll(() => adminFetch<{ items: AuditEntry[] }>('GET', '/v1/audit?limit=200'), LIVE_INTERVAL_MS);
  return html`<main>
    <h1>Audit log</h1>
    <${ProblemBox} error=${audit.error} />
    <table class="audit">
      <thead><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Target</th><th>Detail</th></tr></thead>
      <tbody>
        ${(audit.data?.items ?? []).map(
          (e) => html`<tr><td class="num">${e.id}</td><td>${formatTime(e.at)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.target}</td><td><code>${JSON.stringify(e.detail)}</code></td></tr>`,
        )}
      </tbody>
    </table>
  </main>`;
}

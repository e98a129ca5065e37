/** A service: its conditions, live charts, revisions (state and why), traffic editor, rollback (with a confirmation) and deploy history. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { adminFetch } from './admin-fetch.js';
import type { AuditEntry, Series, ServiceDetail } from './admin-types.js';
import { ConfirmButton } from './confirm-button.js';
import { formatTime } from './figures-format.js';
import { LIVE_INTERVAL_MS } from './overview-page.js';
import { ProblemBox } from './problem-box.js';
import { ServiceCharts } from './service-charts.js';
import { TrafficEditor } from './traffic-editor.js';
import { usePoll } from './use-poll.js';

/** The audit entries about this service: itself, its traffic and its revisions. */
export function aboutService(entry: AuditEntry, service: string): boolean {
  return entry.target === `service/${service}` || entry.detail['service'] === service || entry.target.startsWith(`revision/${service}-0`);
}

export function ServicePage({ name }: { name: string }): VNode {
  const path = `/v1/services/${encodeURIComponent(name)}`;
  const detail = usePoll(() => adminFetch<ServiceDetail>('GET', path), LIVE_INTERVAL_MS, [name]);
  const series = usePoll(() => adminFetch<Series>('GET', '/v1/console/series'), LIVE_INTERVAL_MS);
  const audit = usePoll(() => adminFetch<{ items: AuditEntry[] }>('GET', '/v1/audit?limit=1000'), LIVE_INTERVAL_MS);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const s = detail.data;
  const reloadAll = (): void => {
    detail.reload();
    audit.reload();
  };
  const rollback = async (): Promise<void> => {
    try {
      const answer = await adminFetch<{ resolved: { targets: { revision: string; percent: number; tag?: string }[] } }>('POST', `${path}/rollback`);
      setError(undefined);
      setDone(`Rolled back: ${answer.resolved.targets.map((t) => `${t.revision} ${t.percent}%${t.tag ? ` @${t.tag}` : ''}`).join(', ')}`);
      reloadAll();
    } catch (err) {
      setError(err as Error);
    }
  };
  if (s === undefined) return html`<main><h1>${name}</h1><${ProblemBox} error=${detail.error} /></main>`;
  const ready = s.conditions.find((c) => c.type === 'Ready');
  const history = (audit.data?.items ?? []).filter((e) => aboutService(e, name)).slice(0, 30);
  return html`<main class="service">
    <h1>${s.name} <span class=${`pill ${ready?.status === 'True' ? 'good' : 'bad'}`}>${ready?.status === 'True' ? 'Ready' : `Not ready${ready?.message ? `: ${ready.message}` : ''}`}</span></h1>
    <p><code>${s.url}</code> · ${s.readyInstances} ready · routes: ${s.routes.join(', ') || 'none'}</p>
    <${ServiceCharts} samples=${series.data?.services[name]} />
    <section>
      <h2>Revisions</h2>
      <table class="revisions">
        <thead><tr><th>Revision</th><th>State</th><th>Traffic</th><th>Tags</th><th>Ready</th><th>Created</th></tr></thead>
        <tbody>
          ${s.revisions.map(
            (r) => html`<tr data-revision=${r.name}>
              <td>${r.name}</td>
              <td class=${`state ${r.state}`}>${r.state}${r.reason ? html`<div class="reason">${r.reason}</div>` : null}</td>
              <td class="num">${r.percent}%</td>
              <td>${r.tags.map((t) => html`<span class="pill">@${t}</span>`)}</td>
              <td class="num">${r.readyInstances ?? 0}</td>
              <td>${formatTime(r.createdAt)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <p>
        <${ConfirmButton} label="Roll back" danger=${true}
          question=${`Send all of ${name}'s traffic back to the last revision that served 100%?`} onConfirm=${rollback} />
        ${done ? html` <span class="ok" role="status">${done}</span>` : null}
      </p>
      <${ProblemBox} error=${error} />
    </section>
    <${TrafficEditor} service=${name} revisions=${s.revisions} policy=${s.traffic} onSaved=${reloadAll} />
    <section>
      <h2>Deploy history</h2>
      <table class="history">
        <thead><tr><th>When</th><th>Who</th><th>What</th><th>Target</th><th>Detail</th></tr></thead>
        <tbody>
          ${history.map(
            (e) => html`<tr><td>${formatTime(e.at)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.target}</td><td><code>${JSON.stringify(e.detail)}</code></td></tr>`,
          )}
        </tbody>
      </table>
    </section>
  </main>`;
}

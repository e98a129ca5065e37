/** Tenants and keys: each tenant's quotas (shared, and per key), editable; the keys panel below. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { adminFetch } from './admin-fetch.js';
import type { Quota, Tenant } from './admin-types.js';
import { KeyPanel } from './key-panel.js';
import { ProblemBox } from './problem-box.js';
import { usePoll } from './use-poll.js';

function formatQuota(q: Quota | undefined): string {
  if (q === undefined) return 'none';
  return `${q.requestsPerMinute}/min${q.burst === undefined ? '' : `, burst ${q.burst}/s`}`;
}

/** '' is no quota; otherwise a number the server checks (errors come back by path). */
function quotaOf(rpm: string, burst: string): Quota | undefined {
  if (rpm.trim() === '') return undefined;
  return { requestsPerMinute: Number(rpm), ...(burst.trim() === '' ? {} : { burst: Number(burst) }) };
}

function QuotaEditor({ tenant, onSaved }: { tenant: Tenant; onSaved: () => void }): VNode {
  const [rpm, setRpm] = useState(String(tenant.quota?.requestsPerMinute ?? ''));
  const [burst, setBurst] = useState(String(tenant.quota?.burst ?? ''));
  const [error, setError] = useState<Error | undefined>(undefined);
  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const quota = quotaOf(rpm, burst);
    const { displayName, config, attributes, keyQuota } = tenant;
    try {
      await adminFetch('PUT', `/v1/tenants/${encodeURIComponent(tenant.id)}`, { displayName, config, attributes, ...(keyQuota ? { keyQuota } : {}), ...(quota ? { quota } : {}) });
      setError(undefined);
      onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };
  const value = (e: Event): string => (e.target as HTMLInputElement).value;
  return html`<form class="quota" onSubmit=${save}>
    <input type="number" min="1" placeholder="req/min" aria-label=${`${tenant.id} requests per minute`} value=${rpm} onInput=${(e: Event) => setRpm(value(e))} />
    <input type="number" min="1" placeholder="burst/s" aria-label=${`${tenant.id} burst`} value=${burst} onInput=${(e: Event) => setBurst(value(e))} />
    <button type="submit">Save quota</button>
    <${ProblemBox} error=${error} />
  </form>`;
}

export function TenantsPage(): VNode {
  const tenants = usePoll(() => adminFetch<{ items: Tenant[] }>('GET', '/v1/tenants'), 0);
  const items = tenants.data?.items ?? [];
  return html`<main>
    <h1>Tenants and keys</h1>
    <${ProblemBox} error=${tenants.error} />
    <table class="tenants">
      <thead><tr><th>Tenant</th><th>Name</th><th>Quota (tenant)</th><th>Quota (each key)</th><th>Config</th><th>Set tenant quota</th></tr></thead>
      <tbody>
        ${items.map(
          (t) => html`<tr data-tenant=${t.id}>
            <td>${t.id}</td><td>${t.displayName}</td><td>${formatQuota(t.quota)}</td><td>${formatQuota(t.keyQuota)}</td>
            <td><code>${JSON.stringify(t.config)}</code></td>
            <td><${QuotaEditor} key=${`${t.id}:${formatQuota(t.quota)}`} tenant=${t} onSaved=${tenants.reload} /></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <${KeyPanel} tenants=${items} />
  </main>`;
}

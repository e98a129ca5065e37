/**
 * API keys: create one for a tenant (its secret shown once, here, never
 * again), revoke (after a confirmation) and rotate (a new secret; the old one
 * keeps working for the overlap, 24 h by default).
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { adminFetch } from './admin-fetch.js';
import type { ApiKey, Tenant } from './admin-types.js';
import { ConfirmButton } from './confirm-button.js';
import { formatTime } from './figures-format.js';
import { ProblemBox } from './problem-box.js';
import { usePoll } from './use-poll.js';

function keyState(k: ApiKey): string {
  if (k.revokedAt !== undefined) return 'revoked';
  if (k.expiresAt !== undefined && Date.parse(k.expiresAt) <= Date.now()) return 'expired';
  return k.expiresAt === undefined ? 'active' : `active until ${formatTime(k.expiresAt)}`;
}

export function KeyPanel({ tenants }: { tenants: readonly Tenant[] }): VNode {
  const keys = usePoll(() => adminFetch<{ items: ApiKey[] }>('GET', '/v1/keys'), 0);
  const [tenant, setTenant] = useState('');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<{ id: string; key: string } | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const chosen = tenant || tenants[0]?.id || '';
  const act = async (run: () => Promise<void>): Promise<void> => {
    try {
      await run();
      setError(undefined);
    } catch (err) {
      setError(err as Error);
    }
    keys.reload();
  };
  const create = (event: Event): Promise<void> => {
    event.preventDefault();
    return act(async () => {
      const body = description.trim() === '' ? {} : { description: description.trim() };
      const made = await adminFetch<{ key: string; id: string }>('POST', `/v1/tenants/${encodeURIComponent(chosen)}/keys`, body);
      setSecret({ id: made.id, key: made.key });
      setDescription('');
    });
  };
  const rotate = (id: string): Promise<void> =>
    act(async () => {
      const made = await adminFetch<{ key: string; id: string }>('POST', `/v1/keys/${encodeURIComponent(id)}/rotate`, {});
      setSecret({ id: made.id, key: made.key });
    });
  const revoke = (id: string): Promise<void> => act(() => adminFetch('DELETE', `/v1/keys/${encodeURIComponent(id)}`));

  return html`<section class="keys">
    <h2>API keys</h2>
    <form class="create-key" onSubmit=${create}>
      <label>Tenant <select value=${chosen} onChange=${(e: Event) => setTenant((e.target as HTMLSelectElement).value)}>
        ${tenants.map((t) => html`<option value=${t.id}>${t.id}</option>`)}
      </select></label>
      <label>Description <input value=${description} onInput=${(e: Event) => setDescription((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" disabled=${chosen === ''}>Create key</button>
    </form>
    ${secret !== undefined
      ? html`<div class="secret" role="status">
          <p>The secret of key <code>${secret.id}</code>. It is shown this once: copy it now.</p>
          <input class="secret-value" readonly value=${secret.key} onFocus=${(e: Event) => (e.target as HTMLInputElement).select()} />
          <button onClick=${() => setSecret(undefined)}>Done</button>
        </div>`
      : null}
    <${ProblemBox} error=${error ?? keys.error} />
    <table>
      <thead><tr><th>Key</th><th>Tenant</th><th>Description</th><th>State</th><th>Created</th><th>Last used</th><th></th></tr></thead>
      <tbody>
        ${(keys.data?.items ?? []).map(
          (k) => html`<tr data-key=${k.id}>
            <td><code>${k.id}</code></td><td>${k.tenantId}</td><td>${k.description ?? ''}</td><td class="key-state">${keyState(k)}</td>
            <td>${formatTime(k.createdAt)}</td><td>${formatTime(k.lastUsedAt)}</td>
            <td>${k.revokedAt === undefined
              ? html`<button onClick=${() => rotate(k.id)}>Rotate</button>
                  <${ConfirmButton} label="Revoke" danger=${true} question=${`Revoke ${k.id}? Callers using it get 401 at once.`} onConfirm=${() => revoke(k.id)} />`
              : null}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

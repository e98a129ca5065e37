/** Models: each model's versions (digest, format, size, aliases, the revisions using it), and moving an alias with an optional canary. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { adminFetch } from './admin-fetch.js';
import type { ModelSummary, ModelVersion } from './admin-types.js';
import { AliasForm } from './alias-form.js';
import { formatTime } from './figures-format.js';
import { ProblemBox } from './problem-box.js';
import { usePoll } from './use-poll.js';

interface ModelDetail {
  name: string;
  aliases: Record<string, number>;
  versions: ModelVersion[];
}

function ModelCard({ name }: { name: string }): VNode {
  const model = usePoll(() => adminFetch<ModelDetail>('GET', `/v1/models/${encodeURIComponent(name)}`), 0, [name]);
  const m = model.data;
  if (m === undefined) return html`<section><h2>${name}</h2><${ProblemBox} error=${model.error} /></section>`;
  return html`<section class="model" data-model=${name}>
    <h2>${name} ${Object.entries(m.aliases).map(([a, v]) => html`<span class="pill">@${a} → ${v}</span>`)}</h2>
    <table>
      <thead><tr><th>Version</th><th>Digest (sha256)</th><th>Format</th><th>Size</th><th>Aliases</th><th>Used by</th><th>Pushed</th></tr></thead>
      <tbody>
        ${m.versions.map(
          (v) => html`<tr>
            <td class="num">${v.version}</td>
            <td><code title=${v.sha256}>${v.sha256.slice(0, 16)}…</code></td>
            <td>${v.format ?? '–'}</td>
            <td class="num">${(v.size / 1024).toFixed(0)} KiB</td>
            <td>${v.aliases.join(', ')}</td>
            <td>${v.usedBy.join(', ')}</td>
            <td>${formatTime(v.createdAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <${AliasForm} model=${name} aliases=${m.aliases} versions=${m.versions.map((v) => v.version)} onMoved=${model.reload} />
  </section>`;
}

export function ModelsPage(): VNode {
  const models = usePoll(() => adminFetch<{ items: ModelSummary[] }>('GET', '/v1/models'), 0);
  return html`<main>
    <h1>Models</h1>
    <${ProblemBox} error=${models.error} />
    ${(models.data?.items ?? []).map((m) => html`<${ModelCard} key=${m.name} name=${m.name} />`)}
    ${models.data?.items.length === 0 ? html`<p>No model yet: <code>mlaas models push NAME FILE</code>.</p>` : null}
  </main>`;
}

/**
 * Moves a model alias to a version, as `mlaas models alias NAME ALIAS VERSION
 * [--rollout canary=P]` does: every service that follows the alias gets a new
 * revision, serving all traffic at once or, with a canary, P% under the tag
 * `canary`. The answer lists each service's rollout.
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { adminFetch } from './admin-fetch.js';
import { ProblemBox } from './problem-box.js';

interface Rollout {
  service: string;
  revision?: string;
  traffic?: { revision: string; percent: number; tag?: string }[];
  skipped?: string;
  error?: string;
}

export interface AliasFormProps {
  model: string;
  aliases: Record<string, number>;
  versions: readonly number[];
  onMoved: () => void;
}

export function AliasForm({ model, aliases, versions, onMoved }: AliasFormProps): VNode {
  const [alias, setAlias] = useState(Object.keys(aliases)[0] ?? 'production');
  const [version, setVersion] = useState(versions.at(-1) ?? 1);
  const [canary, setCanary] = useState(false);
  const [percent, setPercent] = useState(10);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [result, setResult] = useState<Rollout[] | undefined>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      const body = { version, ...(canary ? { canaryPercent: percent } : {}) };
      const answer = await adminFetch<{ rollouts: Rollout[] }>('PUT', `/v1/models/${encodeURIComponent(model)}/aliases/${encodeURIComponent(alias)}`, body);
      setResult(answer.rollouts);
      setError(undefined);
      onMoved();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const value = (e: Event): string => (e.target as HTMLInputElement).value;
  return html`<form class="alias-form" onSubmit=${submit}>
    <label>Alias <input list=${`aliases-${model}`} value=${alias} onInput=${(e: Event) => setAlias(value(e))} required /></label>
    <datalist id=${`aliases-${model}`}>${Object.keys(aliases).map((a) => html`<option value=${a} />`)}</datalist>
    <label>Version <select value=${version} onChange=${(e: Event) => setVersion(Number(value(e)))}>
      ${versions.map((v) => html`<option value=${v}>${v}</option>`)}
    </select></label>
    <label><input type="checkbox" checked=${canary} onChange=${(e: Event) => setCanary((e.target as HTMLInputElement).checked)} /> canary</label>
    ${canary ? html`<label><input type="number" min="1" max="99" value=${percent} onInput=${(e: Event) => setPercent(Number(value(e)))} />% to the new revisions</label>` : null}
    <button type="submit" disabled=${busy}>${busy ? 'Rolling out…' : 'Move alias'}</button>
    ${result !== undefined
      ? html`<ul class="rollouts">${result.length === 0 ? html`<li>No service follows ${model}@${alias}.</li>` : null}
          ${result.map((r) => html`<li>${r.service}: ${describeRollout(r)}</li>`)}</ul>`
      : null}
    <${ProblemBox} error=${error} />
  </form>`;
}

function describeRollout(r: Rollout): VNode | string {
  if (r.error !== undefined) return html`<span class="bad">${r.error}</span>`;
  if (r.skipped !== undefined) return `unchanged (${r.skipped})`;
  return `${r.revision ?? '?'} — ${(r.traffic ?? []).map((t) => `${t.revision} ${t.percent}%${t.tag ? ` @${t.tag}` : ''}`).join(', ')}`;
}

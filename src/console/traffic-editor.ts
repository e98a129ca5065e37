/**
 * The traffic editor of a service: a percent slider and tags per revision;
 * saved as the whole policy (`PUT /v1/services/:name/traffic`), with the
 * revisions named (as `gcloud run services update-traffic --to-revisions`
 * pins them) and the policy's tenant rules, flag routing, mirror and
 * stickiness kept as they were. Saving needs the percents to sum to 100.
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { adminFetch } from './admin-fetch.js';
import type { Revision, TrafficPolicy, TrafficTarget } from './admin-types.js';
import { ProblemBox } from './problem-box.js';

interface Row {
  revision: string;
  percent: number;
  tags: string;
}

export interface TrafficEditorProps {
  service: string;
  revisions: readonly Revision[];
  policy: TrafficPolicy | undefined;
  onSaved: () => void;
}

function rowsOf(revisions: readonly Revision[]): Row[] {
  return revisions.map((r) => ({ revision: r.name, percent: r.percent, tags: r.tags.join(', ') }));
}

/** The targets the rows stand for: a revision's first tag rides on its percent, further tags get targets of 0%. */
export function targetsOf(rows: readonly Row[]): TrafficTarget[] {
  const targets: TrafficTarget[] = [];
  for (const row of rows) {
    const tags = row.tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
    if (row.percent === 0 && tags.length === 0) continue;
    const [first, ...rest] = tags;
    targets.push({ revision: row.revision, percent: row.percent, ...(first === undefined ? {} : { tag: first }) });
    for (const tag of rest) targets.push({ revision: row.revision, percent: 0, tag });
  }
  return targets;
}

export function TrafficEditor({ service, revisions, policy, onSaved }: TrafficEditorProps): VNode {
  const [rows, setRows] = useState<Row[]>(() => rowsOf(revisions));
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  // The page refreshes every few seconds: the editor follows the platform until the user starts editing.
  const current = JSON.stringify(rowsOf(revisions));
  useEffect(() => {
    if (!dirty) setRows(rowsOf(revisions));
  }, [current]);

  const total = rows.reduce((sum, r) => sum + r.percent, 0);
  const change = (i: number, patch: Partial<Row>): void => {
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
    setDirty(true);
    setSaved(false);
  };
  const save = async (): Promise<void> => {
    const body: TrafficPolicy = { ...(policy ?? { sticky: false }), targets: targetsOf(rows) };
    try {
      await adminFetch('PUT', `/v1/services/${encodeURIComponent(service)}/traffic`, body);
      setError(undefined);
      setDirty(false);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };

  return html`<section class="traffic-editor">
    <h2>Traffic</h2>
    <table>
      <thead><tr><th>Revision</th><th>Percent</th><th></th><th>Tags</th></tr></thead>
      <tbody>
        ${rows.map(
          (row, i) => html`<tr data-revision=${row.revision}>
            <td>${row.revision}</td>
            <td><input type="range" min="0" max="100" step="1" value=${row.percent} aria-label=${`${row.revision} percent`}
              onInput=${(e: Event) => change(i, { percent: Number((e.target as HTMLInputElement).value) })} /></td>
            <td><input class="percent" type="number" min="0" max="100" value=${row.percent} aria-label=${`${row.revision} percent value`}
              onInput=${(e: Event) => change(i, { percent: Math.max(0, Math.min(100, Math.round(Number((e.target as HTMLInputElement).value) || 0))) })} />%</td>
            <td><input class="tags" type="text" value=${row.tags} placeholder="tag, …" aria-label=${`${row.revision} tags`}
              onInput=${(e: Event) => change(i, { tags: (e.target as HTMLInputElement).value })} /></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <p class=${total === 100 ? 'total' : 'total bad'}>Total ${total}%${total === 100 ? '' : ' (must be 100%)'}</p>
    <button onClick=${save} disabled=${!dirty || total !== 100}>Save traffic</button>
    ${dirty ? html`<button onClick=${() => { setRows(rowsOf(revisions)); setDirty(false); }}>Reset</button>` : null}
    ${saved ? html`<span class="ok" role="status">Traffic saved.</span>` : null}
    <${ProblemBox} error=${error} />
  </section>`;
}

/** Shows an admin API error: its message and code, and each bad field by path. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { AdminError } from './admin-fetch.js';

export function ProblemBox({ error }: { error: Error | undefined }): VNode | null {
  if (error === undefined) return null;
  const known = error instanceof AdminError ? error : undefined;
  return html`<div class="problem" role="alert">
    <strong>${error.message}</strong>${known?.code ? html` <code>${known.code}</code>` : null}
    ${known !== undefined && known.errors.length > 0
      ? html`<ul class="field-errors">
          ${known.errors.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
        </ul>`
      : null}
  </div>`;
}

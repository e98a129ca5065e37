/** Flags: the flagd document as JSON, edited in place; the platform validates it and lists each error by path (`flags.threshold.defaultVariant`). */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AdminError, adminFetch } from './admin-fetch.js';
import { ProblemBox } from './problem-box.js';
import { usePoll } from './use-poll.js';

export function FlagsPage(): VNode {
  const flags = usePoll(() => adminFetch<Record<string, unknown>>('GET', '/v1/flags'), 0);
  const [text, setText] = useState<string | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (flags.data !== undefined && text === undefined) setText(JSON.stringify(flags.data, null, 2));
  }, [flags.data]);
  const save = async (): Promise<void> => {
    let document: unknown;
    try {
      document = JSON.parse(text ?? '');
    } catch (err) {
      setError(new AdminError(400, 'ADMIN_JSON_MALFORMED', `not valid JSON: ${(err as Error).message}`));
      return;
    }
    try {
      const answer = await adminFetch<{ flags: string[] }>('PUT', '/v1/flags', document);
      setError(undefined);
      setSaved(`Saved ${answer.flags.length} flag${answer.flags.length === 1 ? '' : 's'}: ${answer.flags.join(', ')}. The next request sees them.`);
      flags.reload();
    } catch (err) {
      setSaved(undefined);
      setError(err as Error);
    }
  };
  return html`<main class="flags">
    <h1>Flags</h1>
    <p class="hint">A flagd document (<code>{"flags": {…}}</code>); flags are evaluated with the tenant as targeting key.</p>
    <textarea spellcheck="false" rows="24" aria-label="flagd document" value=${text ?? ''}
      onInput=${(e: Event) => { setText((e.target as HTMLTextAreaElement).value); setSaved(undefined); }}></textarea>
    <p><button onClick=${save} disabled=${text === undefined}>Save flags</button> ${saved ? html`<span class="ok" role="status">${saved}</span>` : null}</p>
    <${ProblemBox} error=${error ?? flags.error} />
  </main>`;
}

/** Sign-in: the admin token (from `<stateDir>/admin-token`) is exchanged once for a session cookie the page script cannot read. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { signIn } from './admin-fetch.js';
import { ProblemBox } from './problem-box.js';

export function SignInPage(): VNode {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      await signIn(token.trim());
      location.assign('/');
    } catch (err) {
      setError(err as Error);
    }
  };
  return html`<main class="sign-in">
    <h1>mlaas console</h1>
    <form onSubmit=${submit}>
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="off" value=${token}
        onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
      <p class="hint">It is in <code>.mlaas/admin-token</code> of the platform's state dir.</p>
      <button type="submit" disabled=${token.trim() === ''}>Sign in</button>
    </form>
    <${ProblemBox} error=${error} />
  </main>`;
}

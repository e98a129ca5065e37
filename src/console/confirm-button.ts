/** A button whose action runs only after a second, explicit "Confirm" click (rollback, revoke): one click never changes anything by accident. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';

export interface ConfirmButtonProps {
  label: string;
  /** The question shown before the action runs. */
  question: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
}

export function ConfirmButton({ label, question, onConfirm, danger }: ConfirmButtonProps): VNode {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) return html`<button class=${danger ? 'danger' : ''} onClick=${() => setAsking(true)}>${label}</button>`;
  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return html`<span class="confirm" role="group">
    <span>${question}</span>
    <button class="danger" disabled=${busy} onClick=${confirm}>Confirm</button>
    <button disabled=${busy} onClick=${() => setAsking(false)}>Cancel</button>
  </span>`;
}

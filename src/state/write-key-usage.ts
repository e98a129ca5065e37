/**
 * Writes a batch of the gateway's key uses (gateway/key-usage-recorder.ts
 * collects them off the hot path) to the store: each key's last-used time,
 * all in one transaction. `mlaas up` and `mlaas gateway` flush through it.
 */
import type { StateStore } from './state-store.js';

/** `used`: key id → epoch ms of its latest use. */
export function writeKeyUsage(store: Pick<StateStore, 'atomically' | 'touchKey'>, used: ReadonlyMap<string, number>): void {
  store.atomically(() => {
    for (const [id, atMs] of used) store.touchKey(id, new Date(atMs));
  });
}

/**
 * What the control plane tells gateways in other processes (`mlaas gateway`)
 * through the store, besides the desired state they read anyway: each
 * revision's ready instances, on every change of its supervisor's ready set,
 * and where its activator listens for their requests at a revision with no
 * ready instance. Cleared at start (a crashed run's endpoints are gone) and
 * on stop, so that no gateway sends to an instance that no longer runs.
 */
import { randomBytes } from 'node:crypto';
import type { InstanceEndpoint, StateStore } from '../state/state-store.js';

export interface DataPlanePublisherOptions {
  store: StateStore;
  /** The supervisor's ready set of a revision. */
  ready(revision: string): readonly InstanceEndpoint[];
  onError(err: unknown): void;
}

export class DataPlanePublisher {
  readonly #o: DataPlanePublisherOptions;
  /** The secret a gateway shows the activator: it read the store, so it is one of this platform's. */
  readonly token = randomBytes(24).toString('base64url');

  constructor(options: DataPlanePublisherOptions) {
    this.#o = options;
    this.#clear();
  }

  /** The activator listens at `url` now; backends' ID tokens are issued by `issuer`. */
  activatorListening(url: string, issuer: string): void {
    this.#write(() => this.#o.store.setActivator({ url, token: this.token, issuer }));
  }

  /** The ready set of `revision` changed. */
  readyChanged(revision: string): void {
    this.#write(() => this.#o.store.setReadyInstances(revision, this.#o.ready(revision)));
  }

  /** Before the store closes. */
  stop(): void {
    this.#clear();
  }

  #clear(): void {
    const { store } = this.#o;
    this.#write(() =>
      store.atomically(() => {
        for (const { revision } of store.listReadyInstances()) store.setReadyInstances(revision, []);
        store.setActivator(undefined);
      }),
    );
  }

  /** A failed write leaves other gateways a moment behind; the control plane's own gateway is not affected. */
  #write(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#o.onError(err);
    }
  }
}

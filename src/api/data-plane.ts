/**
 * What a control plane publishes in the state store for gateways in other
 * processes (`mlaas gateway`): each revision's ready instance endpoints (its
 * supervisor's ready set) and where its own gateway's activator takes the
 * requests for a revision that has none (scale to zero, Knative's activator
 * in the path). Runtime facts, not desired state: written without an audit row.
 */

/** One ready instance: where a gateway on the same machine reaches it. */
export interface InstanceEndpoint {
  id: string;
  host: string;
  port: number;
}

/** A revision's ready instances as the control plane last published them. */
export interface ReadyInstances {
  revision: string;
  instances: InstanceEndpoint[];
  /** ISO 8601 UTC time of the publication. */
  updatedAt: string;
}

/**
 * The control plane's activator: a gateway sends it a request for a revision
 * with no ready instance, already admitted and with its forwarding headers,
 * and the activator holds it through the cold start. `token` proves the
 * sender read the store (header `x-mlaas-activator-token`).
 */
export interface ActivatorEndpoint {
  url: string;
  token: string;
  /**
   * The `iss` of the ID tokens backends get: where the control plane
   * publishes the platform's key set, so that a gateway elsewhere signs
   * them as its own gateway does.
   */
  issuer: string;
}

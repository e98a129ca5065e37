/**
 * Services as the control plane keeps them: a name and its declared spec (the service template every revision is made from).
 */
import type { JsonObject } from './json-object.js';

/**
 * A service's declared spec: source, command, env, models, scaling,
 * readiness… Validated by `config/` before it gets here; the store keeps it
 * as given.
 */
export type ServiceSpec = JsonObject;

export interface ServiceRecord {
  name: string;
  spec: ServiceSpec;
  createdAt: string;
  updatedAt: string;
}

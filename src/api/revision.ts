/**
 * Revisions: one immutable deploy of a service and the state the runtime learns it is in.
 */
import type { JsonObject } from './json-object.js';

export type RevisionState = 'pending' | 'ready' | 'failed' | 'retired';

/**
 * One deploy of a service, `SERVICE-0000N`. Its spec (artifact digest,
 * command, env, models, scaling…) never changes after creation; only its
 * state does, as the runtime learns whether it can serve.
 */
export interface RevisionRecord {
  name: string;
  service: string;
  number: number;
  spec: JsonObject;
  createdAt: string;
  state: RevisionState;
  /** Why a revision failed (or was retired), for `mlaas revisions`. */
  reason?: string;
  /** Last time this revision alone served 100% of the traffic; what `rollback` goes back to. */
  fullTrafficAt?: string;
  /** When it last lost its traffic (and tags): what revision GC's `retainSinceLastActiveTime` counts from. */
  lastActiveAt?: string;
}

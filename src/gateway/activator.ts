/**
 * The gateway as Knative's activator: a request for a revision with no ready
 * instance, or whose instances are all at their hard concurrency limit
 * (containerConcurrency), waits here — in a bounded queue, within the route's
 * deadline — instead of failing or overloading an instance. A request at a
 * revision scaled to zero pokes the autoscaler so the cold start begins at
 * once. The fast path (an instance has room) takes a slot synchronously.
 *
 * Knative puts its activator in the request path while a revision's excess
 * burst capacity is negative (targetBurstCapacity); this gateway is always in
 * the path, as Knative with targetBurstCapacity -1, and like Knative's
 * activator it holds requests per instance only at containerConcurrency.
 */
import { MlaasError } from '../errors.js';
import type { ReadyInstance, Upstream, UpstreamPools } from './upstream-pools.js';

export interface ActivatorHooks {
  /** A request is waiting at a revision with no ready instance: scale it up now. */
  poke(revision: string): void;
  /** A cold start ended: the first ready instance appeared `ms` after the first request waited. */
  coldStart?(revision: string, ms: number): void;
}

export interface RevisionLimits {
  /** Hard limit of requests in flight per instance; 0 = no limit. */
  concurrency: number;
  maxInstances: number;
  /** How long a call to the revision may take (Knative's timeoutSeconds); absent = only the route's deadline. */
  timeoutMs?: number;
}

export interface ActivatorOptions {
  ready: (revision: string) => readonly ReadyInstance[];
  pools: UpstreamPools;
  hooks?: ActivatorHooks;
  now?: () => number;
  /** Requests that may wait per revision before new ones are refused. */
  maxQueue?: number;
}

interface Waiter {
  /** Instances that already failed this request. */
  except: readonly Upstream[] | undefined;
  resolve: (up: Upstream) => void;
  reject: (err: MlaasError) => void;
  timer: NodeJS.Timeout;
}

interface Gate {
  revision: string;
  limit: number;
  maxInstances: number;
  /** Requests forwarded to this revision's instances and not finished. */
  inFlight: number;
  /** Requests that reached the revision (a resend is not a new one): the autoscaler's rps metric reads it. */
  requests: number;
  queue: Waiter[];
  coldStartSince: number | undefined;
}

export interface GateStatus {
  revision: string;
  inFlight: number;
  queued: number;
  coldStartSince: number | undefined;
}

const DEFAULT_LIMITS: RevisionLimits = { concurrency: 0, maxInstances: Number.POSITIVE_INFINITY };
export const DEFAULT_MAX_QUEUE = 1000;

export class Activator {
  readonly #o: Required<Omit<ActivatorOptions, 'hooks'>> & { hooks: ActivatorHooks | undefined };
  readonly #gates = new Map<string, Gate>();
  readonly #limits = new Map<string, RevisionLimits>();

  constructor(options: ActivatorOptions) {
    this.#o = { now: Date.now, maxQueue: DEFAULT_MAX_QUEUE, ...options, hooks: options.hooks };
  }

  setLimits(revision: string, limits: RevisionLimits | undefined): void {
    if (limits === undefined) this.#limits.delete(revision);
    else this.#limits.set(revision, limits);
    const gate = this.#gates.get(revision);
    if (gate !== undefined) this.#applyLimits(gate);
  }

  /**
   * A slot on an instance of `revision` (its in-flight count already taken),
   * now or once one frees up; rejects when the queue is full or `deadlineAt` passes.
   * Every slot must be given back with `release`. `except` lists instances
   * that already failed this request (refused it, or died with it inside): it
   * waits for another one, such as the replacement of a killed instance.
   */
  acquire(revision: string, deadlineAt: number, except?: readonly Upstream[]): Upstream | Promise<Upstream> {
    const gate = this.#gate(revision);
    if (except === undefined) gate.requests++;
    if (gate.queue.length === 0) {
      const up = this.#take(gate, except);
      if (up !== undefined) return up;
    }
    if (gate.queue.length >= this.#o.maxQueue) throw this.#refusal(gate, 'its queue is full');
    if (this.#o.ready(revision).length === 0) {
      gate.coldStartSince ??= this.#o.now();
      this.#o.hooks?.poke(revision);
    }
    return new Promise<Upstream>((resolve, reject) => {
      const waiter: Waiter = {
        except,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = gate.queue.indexOf(waiter);
          if (i >= 0) gate.queue.splice(i, 1);
          reject(this.#refusal(gate, 'no instance had room before the deadline'));
        }, Math.max(0, deadlineAt - this.#o.now())),
      };
      gate.queue.push(waiter);
    });
  }

  /** Gives a slot back and hands it to the next waiting request, if any. */
  release(revision: string, up: Upstream): void {
    up.inFlight--;
    const gate = this.#gates.get(revision);
    if (gate === undefined) return;
    gate.inFlight--;
    this.#serveQueue(gate);
  }

  /** The supervisor's ready set of `revision` changed: waiting requests may go now. */
  readyChanged(revision: string): void {
    const gate = this.#gates.get(revision);
    if (gate === undefined) return;
    if (gate.coldStartSince !== undefined && this.#o.ready(revision).length > 0) {
      this.#o.hooks?.coldStart?.(revision, this.#o.now() - gate.coldStartSince);
      gate.coldStartSince = undefined;
    }
    this.#serveQueue(gate);
  }

  /** Requests in flight plus those waiting: the concurrency the autoscaler must see. */
  load(revision: string): number {
    const gate = this.#gates.get(revision);
    return gate === undefined ? 0 : gate.inFlight + gate.queue.length;
  }

  /** Requests that have reached `revision` so far (a counter that starts again after `forget`). */
  requests(revision: string): number {
    return this.#gates.get(revision)?.requests ?? 0;
  }

  /** Whether the revision was given limits, as each one the runtime runs is: requests from other gateways are held only for those. */
  knows(revision: string): boolean {
    return this.#limits.has(revision);
  }

  /** The revision's own bound on a call, in ms (Infinity when it has none). */
  timeoutOf(revision: string): number {
    return this.#limits.get(revision)?.timeoutMs ?? Number.POSITIVE_INFINITY;
  }

  /** Forgets a retired revision; anything still waiting for it fails. */
  forget(revision: string): void {
    const gate = this.#gates.get(revision);
    if (gate === undefined) return;
    this.#gates.delete(revision);
    for (const w of gate.queue.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new MlaasError('GW_NO_INSTANCE', `revision ${revision} was retired while the request waited`, { headers: RETRY_SOON }));
    }
  }

  status(): GateStatus[] {
    return [...this.#gates.values()].map((g) => ({
      revision: g.revision,
      inFlight: g.inFlight,
      queued: g.queue.length,
      coldStartSince: g.coldStartSince,
    }));
  }

  /** In arrival order; a request that must avoid some instances lets the ones behind it take those. */
  #serveQueue(gate: Gate): void {
    let i = 0;
    while (i < gate.queue.length) {
      const w = gate.queue[i] as Waiter;
      const up = this.#take(gate, w.except);
      if (up === undefined) {
        if (w.except === undefined) return;
        i++;
        continue;
      }
      gate.queue.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(up);
    }
  }

  #take(gate: Gate, except?: readonly Upstream[]): Upstream | undefined {
    const up = this.#o.pools.pick(this.#o.ready(gate.revision), except);
    if (up === undefined || up.inFlight >= gate.limit) return undefined;
    up.inFlight++;
    gate.inFlight++;
    return up;
  }

  #gate(revision: string): Gate {
    let gate = this.#gates.get(revision);
    if (gate === undefined) {
      gate = {
        revision,
        limit: Infinity,
        maxInstances: Infinity,
        inFlight: 0,
        requests: 0,
        queue: [],
        coldStartSince: undefined,
      };
      this.#applyLimits(gate);
      this.#gates.set(revision, gate);
    }
    return gate;
  }

  #applyLimits(gate: Gate): void {
    const limits = this.#limits.get(gate.revision) ?? DEFAULT_LIMITS;
    gate.limit = limits.concurrency > 0 ? limits.concurrency : Infinity;
    gate.maxInstances = limits.maxInstances;
  }

  /** 429 when the revision is at its maximum size (more load will not help), else 503: it is scaling. */
  #refusal(gate: Gate, why: string): MlaasError {
    const atMax = this.#o.ready(gate.revision).length >= gate.maxInstances;
    return atMax
      ? new MlaasError('GW_AT_CAPACITY', `revision ${gate.revision} is at its maximum instances and ${why}`, { headers: RETRY_SOON })
      : new MlaasError('GW_NO_INSTANCE', `revision ${gate.revision} has no ready instance with room: ${why}`, { headers: RETRY_SOON });
  }
}

const RETRY_SOON = { 'retry-after': '1' };

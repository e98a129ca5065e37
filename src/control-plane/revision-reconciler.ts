/**
 * Makes the running revisions of each service match its traffic policy,
 * without failing a request while traffic moves; and deletes revisions and
 * services (by hand or by revision GC), stopping their instances first.
 * For a service, in order:
 *   1. resolve the policy to concrete revisions;
 *   2. start every targeted revision that is not running, and wait until it is ready;
 *   3. commit the policy (when it is a change) and publish it to the gateway;
 *   4. retire revisions that lost their traffic: the gateway lets their
 *      in-flight requests finish, then their instances are drained and stopped.
 * Each phase is idempotent; calls for one service run one at a time.
 */
import type { Logger } from 'pino';
import { MlaasError } from '../errors.js';
import type { InstanceSpec } from '../runtime/supervisor.js';
import {
  DEFAULT_TRAFFIC,
  fullTrafficRevision,
  latestReadyRevision,
  resolveTraffic,
  validateTraffic,
  type ResolvedTraffic,
} from './resolve-traffic.js';
import { patchTraffic, type TrafficPatch } from './patch-traffic.js';
import type { JsonObject, RevisionRecord, StateStore, TrafficPolicy } from '../state/state-store.js';
import { trafficHolds } from './traffic-holds.js';

/** What the reconciler needs of the runtime (the supervisor). */
export interface RevisionRuntime {
  ensure(spec: InstanceSpec, count: number): Promise<readonly { id: string }[]>;
  stopKey(key: string): Promise<void>;
  instanceIds(key: string): string[];
}

/** What the reconciler needs of the gateway (and whoever else follows revisions: the autoscaler). */
export interface TrafficPublisher {
  publish(service: string, traffic: ResolvedTraffic | undefined): void;
  drainInstances(ids: readonly string[], timeoutMs: number): Promise<void>;
  /** A revision's instances are up and it may get requests. */
  started(revision: RevisionRecord): void;
  /** A revision lost its traffic and its instances are stopped. */
  retired(revision: RevisionRecord): void;
}

export interface RevisionReconcilerOptions {
  store: StateStore;
  runtime: RevisionRuntime;
  publisher: TrafficPublisher;
  /** How to run a revision: its spec turned into what the supervisor starts. */
  instanceSpecOf: (revision: RevisionRecord) => InstanceSpec;
  /** How many instances a revision starts with, before it takes traffic. */
  initialInstancesOf: (revision: RevisionRecord) => number;
  /**
   * Fetches what a revision needs before its first instance starts (its models,
   * digest-verified, into the local cache); a failure keeps it from becoming ready.
   */
  prepare?: (revision: RevisionRecord) => Promise<void>;
  /** Told after each change of a service's revisions or traffic (revision GC runs then). */
  onChange?: (service: string) => void;
  logger: Logger;
}

export interface DeployOptions {
  /** Cloud Run's `--no-traffic`: the new revision takes no traffic until `mlaas traffic` gives it some. */
  noTraffic?: boolean;
  /** Reach the new revision by this tag, whatever its traffic. */
  tag?: string;
  /** The policy once the new revision is ready, from the current one (a model rollout's canary split); applied last. */
  traffic?: (current: TrafficPolicy, revision: string) => TrafficPolicy;
  actor?: string;
}

export class RevisionReconciler {
  readonly #o: RevisionReconcilerOptions;
  readonly #running = new Set<string>();
  readonly #published = new Map<string, ResolvedTraffic>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: RevisionReconcilerOptions) {
    this.#o = options;
  }

  /** Brings every service back after a start of the platform: what had traffic runs again. */
  async recover(services: readonly string[]): Promise<Array<{ service: string; error?: string }>> {
    const { store } = this.#o;
    for (const rev of store.listRevisions()) {
      if (rev.state === 'pending') store.setRevisionState(rev.name, 'failed', 'the platform stopped before it became ready');
    }
    return Promise.all(
      services.map(async (service) => {
        try {
          await this.reconcile(service);
          return { service };
        } catch (err) {
          return { service, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  /**
   * Publishes the stored traffic of each service as it stands, before any of
   * its instances runs: after a restart the gateway then holds requests for
   * them (as for a revision at zero) instead of answering that nothing serves.
   * `recover` starts the instances and publishes again.
   */
  publishStored(services: readonly string[]): void {
    const { store, publisher } = this.#o;
    for (const service of services) {
      const resolved = resolveTraffic(service, store.getTraffic(service) ?? DEFAULT_TRAFFIC, store.listRevisions(service));
      if (resolved === undefined) continue;
      publisher.publish(service, resolved);
      this.#published.set(service, resolved);
    }
  }

  /** Re-applies the stored policy of a service. */
  reconcile(service: string): Promise<ResolvedTraffic | undefined> {
    return this.#serially(service, () => this.#apply(service, undefined));
  }

  /** Creates a revision from `spec`, starts it, and moves traffic as the policy says (see DeployOptions). */
  deploy(service: string, spec: JsonObject, options: DeployOptions = {}): Promise<RevisionRecord> {
    return this.#serially(service, async () => {
      const { store, logger } = this.#o;
      const ctx = { actor: options.actor ?? 'deploy' };
      const rev = store.createRevision(service, spec, ctx);
      try {
        await this.#start(rev);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        store.setRevisionState(rev.name, 'failed', reason, ctx);
        logger.warn({ revision: rev.name, reason }, 'revision failed');
        throw new MlaasError('REVISION_NOT_READY', `${rev.name} did not become ready: ${reason}; traffic is unchanged`);
      }
      let policy = store.getTraffic(service) ?? DEFAULT_TRAFFIC;
      if (options.noTraffic === true) policy = pinLatest(policy, latestReadyRevision(store.listRevisions(service)));
      if (options.tag !== undefined) policy = withTag(policy, options.tag, rev.name);
      if (options.traffic !== undefined) policy = options.traffic(policy, rev.name);
      store.atomically(() => {
        store.setRevisionState(rev.name, 'ready', undefined, ctx);
        store.setTraffic(service, policy, ctx);
      });
      await this.#apply(service, undefined);
      return store.getRevision(rev.name) as RevisionRecord;
    });
  }

  /** Validates and applies a new policy; the revisions it targets are ready before any request reaches them. */
  setTraffic(service: string, policy: TrafficPolicy, actor = 'admin'): Promise<ResolvedTraffic | undefined> {
    return this.#serially(service, () => {
      validateTraffic(service, policy, this.#o.store.listRevisions(service));
      return this.#apply(service, { policy, actor });
    });
  }

  /** Applies a `gcloud run services update-traffic` style patch to the stored policy (see patch-traffic.ts). */
  patchTraffic(service: string, patch: TrafficPatch, actor = 'admin'): Promise<{ policy: TrafficPolicy; resolved: ResolvedTraffic | undefined }> {
    return this.#serially(service, async () => {
      const { store } = this.#o;
      if (store.getService(service) === undefined && store.listRevisions(service).length === 0) {
        throw new MlaasError('ADMIN_NOT_FOUND', `no service ${service}`);
      }
      const policy = patchTraffic(store.getTraffic(service) ?? DEFAULT_TRAFFIC, patch);
      validateTraffic(service, policy, store.listRevisions(service));
      return { policy, resolved: await this.#apply(service, { policy, actor }) };
    });
  }

  /**
   * Deletes a revision that nothing of the traffic holds, nor `latestRevision`
   * nor `services update` build on (the latest created or ready one): its
   * instances are drained and stopped, then its record goes.
   */
  deleteRevision(name: string, actor = 'admin'): Promise<RevisionRecord> {
    const service = this.#o.store.getRevision(name)?.service;
    if (service === undefined) return Promise.reject(new MlaasError('ADMIN_NOT_FOUND', `no revision ${name}`));
    return this.#serially(service, async () => {
      const { store } = this.#o;
      const rev = store.getRevision(name);
      if (rev === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no revision ${name}`);
      const revisions = store.listRevisions(service);
      const holds = trafficHolds(name, store.getTraffic(service) ?? DEFAULT_TRAFFIC, revisions);
      if (holds.length > 0) {
        throw new MlaasError('ADMIN_CONFLICT', `revision ${name} has traffic of service ${service}: ${holds.join(', ')}; move it first (mlaas traffic ${service} …)`);
      }
      const newest = revisions.at(-1);
      if (newest?.name === name) throw new MlaasError('ADMIN_CONFLICT', `revision ${name} is the latest revision of service ${service}, what its next update builds on`);
      if (latestReadyRevision(revisions)?.name === name) {
        throw new MlaasError('ADMIN_CONFLICT', `revision ${name} is the latest ready revision of service ${service}, what latestRevision follows`);
      }
      if (rev.state === 'pending') throw new MlaasError('ADMIN_CONFLICT', `revision ${name} is being deployed`);
      await this.#remove(rev, actor);
      return rev;
    });
  }

  /** Deletes the revisions `pick` chooses from the service's current state (revision GC); answers their names. */
  collect(service: string, pick: (revisions: readonly RevisionRecord[], policy: TrafficPolicy) => readonly RevisionRecord[], actor = 'gc'): Promise<string[]> {
    return this.#serially(service, async () => {
      const { store } = this.#o;
      const deleted: string[] = [];
      for (const rev of pick(store.listRevisions(service), store.getTraffic(service) ?? DEFAULT_TRAFFIC)) {
        await this.#remove(rev, actor);
        deleted.push(rev.name);
      }
      return deleted;
    });
  }

  /** Stops routing to a service, drains and stops its instances, and deletes it with its revisions and traffic. */
  deleteService(service: string, actor = 'admin'): Promise<string[]> {
    return this.#serially(service, async () => {
      const { store, publisher } = this.#o;
      if (store.getService(service) === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no service ${service}`);
      const revisions = store.listRevisions(service);
      publisher.publish(service, undefined);
      this.#published.delete(service);
      await Promise.all(revisions.filter((r) => this.#running.has(r.name)).map((r) => this.#stop(r)));
      store.deleteService(service, { actor });
      return revisions.map((r) => r.name);
    });
  }

  /** Sends all traffic back to the last revision that served 100% before the current state. */
  rollback(service: string, actor = 'admin'): Promise<ResolvedTraffic | undefined> {
    return this.#serially(service, () => {
      const { store } = this.#o;
      const revisions = store.listRevisions(service);
      const policy = store.getTraffic(service) ?? DEFAULT_TRAFFIC;
      const current = resolveTraffic(service, policy, revisions);
      const now = current === undefined ? undefined : fullTrafficRevision(current);
      const target = revisions
        .filter((r) => r.fullTrafficAt !== undefined && r.name !== now && r.state !== 'failed')
        .sort((a, b) => (a.fullTrafficAt as string).localeCompare(b.fullTrafficAt as string))
        .at(-1);
      if (target === undefined) {
        throw new MlaasError('ROLLBACK_UNAVAILABLE', `${service} has no earlier revision that served all of its traffic`);
      }
      const tags = policy.targets.filter((t) => t.tag !== undefined).map((t) => ({ ...t, percent: 0 }));
      // Everyone goes back, tenants routed by a rule or a flag included; a mirror only observes, so it stays.
      const back: TrafficPolicy = { targets: [{ revision: target.name, percent: 100 }, ...tags], sticky: policy.sticky };
      if (policy.mirror !== undefined) back.mirror = policy.mirror;
      return this.#apply(service, { policy: back, actor });
    });
  }

  /** Names of the revisions this reconciler has running. */
  running(): ReadonlySet<string> {
    return this.#running;
  }

  /**
   * What the gateway routes for a service right now: the traffic last
   * published, which a later change of a revision's state (a crash loop)
   * does not move until the service is reconciled again.
   */
  published(service: string): ResolvedTraffic | undefined {
    return this.#published.get(service);
  }

  async #apply(service: string, change: { policy: TrafficPolicy; actor: string } | undefined): Promise<ResolvedTraffic | undefined> {
    const { store, publisher } = this.#o;
    const revisions = store.listRevisions(service);
    const policy = change?.policy ?? store.getTraffic(service) ?? DEFAULT_TRAFFIC;
    const resolved = resolveTraffic(service, policy, revisions);
    if (resolved === undefined) {
      if (change !== undefined) throw new MlaasError('REVISION_NOT_READY', `${service} has no ready revision for latestRevision to follow`);
      return undefined;
    }
    const wanted = new Set(resolved.targets.map((t) => t.revision));
    const byName = new Map(revisions.map((r) => [r.name, r]));
    for (const name of wanted) {
      const rev = byName.get(name) as RevisionRecord;
      try {
        await this.#start(rev);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        store.setRevisionState(name, 'failed', reason);
        throw new MlaasError('REVISION_NOT_READY', `${name} did not become ready: ${reason}; traffic is unchanged`);
      }
    }
    store.atomically(() => {
      if (change !== undefined) store.setTraffic(service, change.policy, { actor: change.actor });
      for (const name of wanted) if (byName.get(name)?.state !== 'ready') store.setRevisionState(name, 'ready');
      const full = fullTrafficRevision(resolved);
      if (full !== undefined) store.markFullTraffic(full);
    });
    publisher.publish(service, resolved);
    this.#published.set(service, resolved);
    await Promise.all(
      revisions.filter((r) => this.#running.has(r.name) && !wanted.has(r.name)).map((r) => this.#retire(r)),
    );
    this.#o.onChange?.(service);
    return resolved;
  }

  async #start(rev: RevisionRecord): Promise<void> {
    if (this.#running.has(rev.name)) return;
    const { runtime, publisher, instanceSpecOf, initialInstancesOf, prepare } = this.#o;
    try {
      await prepare?.(rev);
      await runtime.ensure(instanceSpecOf(rev), initialInstancesOf(rev));
      this.#running.add(rev.name);
      publisher.started(rev);
    } catch (err) {
      // The supervisor would keep retrying a key that is still wanted.
      await runtime.stopKey(rev.name);
      throw err;
    }
  }

  async #retire(rev: RevisionRecord): Promise<void> {
    const { store, logger } = this.#o;
    await this.#stop(rev);
    store.atomically(() => {
      store.setRevisionState(rev.name, 'retired', 'no traffic');
      store.markInactive(rev.name);
    });
    logger.info({ revision: rev.name }, 'revision retired');
  }

  /** Lets the revision's in-flight requests finish, then stops its instances. */
  async #stop(rev: RevisionRecord): Promise<void> {
    const { runtime, publisher, instanceSpecOf } = this.#o;
    this.#running.delete(rev.name);
    await publisher.drainInstances(runtime.instanceIds(rev.name), instanceSpecOf(rev).drainTimeoutMs);
    await runtime.stopKey(rev.name);
    publisher.retired(rev);
  }

  /** Deletes a revision no traffic holds, stopping any instance it still has. */
  async #remove(rev: RevisionRecord, actor: string): Promise<void> {
    const { runtime, store, logger } = this.#o;
    if (this.#running.has(rev.name) || runtime.instanceIds(rev.name).length > 0) await this.#stop(rev);
    store.deleteRevision(rev.name, { actor });
    logger.info({ revision: rev.name, actor }, 'revision deleted');
  }

  #serially<T>(service: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(service) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    this.#queues.set(service, next.catch(() => undefined));
    return next;
  }
}

/** Cloud Run's `--no-traffic`: what followed the latest revision stays on the one that is latest now. */
function pinLatest(policy: TrafficPolicy, latest: RevisionRecord | undefined): TrafficPolicy {
  if (latest === undefined) return policy;
  return {
    ...policy,
    targets: policy.targets.map((t) => (t.latestRevision === true ? { revision: latest.name, percent: t.percent, ...(t.tag ? { tag: t.tag } : {}) } : t)),
  };
}

/** Points `tag` at `revision`, taking it off any other target. */
function withTag(policy: TrafficPolicy, tag: string, revision: string): TrafficPolicy {
  const others = policy.targets
    .map((t) => (t.tag === tag ? { ...t, tag: undefined } : t))
    .filter((t) => t.percent > 0 || t.tag !== undefined)
    .map(({ tag: kept, ...rest }) => (kept === undefined ? rest : { ...rest, tag: kept }));
  return { ...policy, targets: [...others, { revision, percent: 0, tag }] };
}

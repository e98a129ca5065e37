/**
 * Runs one KPA decider per revision: samples each revision's in-flight count
 * (or, with metric rps, its request rate since the previous sample) every
 * second, decides every two seconds (Knative's tick), and tells the
 * supervisor when a revision's desired instance count changes, and the
 * gateway when its excess burst capacity turns negative or back. The gateway
 * calls `poke` when a request reaches a revision with no ready instance, so a
 * cold start begins at once instead of at the next tick. Time and timers are
 * injected so tests drive the loop by hand.
 */
import { resolveDeciderConfig, type DeciderConfig, type DeciderSettings } from './decider-config.js';
import { decide, initialDeciderState, recordConcurrency, type DeciderState } from './kpa-decider.js';

/** What the loop needs to know about one revision, read afresh at every sample and tick. */
export interface ScaledRevision {
  key: string;
  /** Read once per settings object: pass the same object while the settings are unchanged. */
  config: DeciderSettings;
  readyCount: number;
  /**
   * Requests in flight on the revision now, including those the activator
   * holds for it. A time-weighted average since the previous call (what
   * Knative's queue-proxy reports) is better still; an instantaneous count works.
   */
  inFlight(): number;
  /** Requests that have reached the revision since it was first seen: a counter, read for metric rps. */
  requests?(): number;
}

/** The part of `setInterval`/`clearInterval` the loop uses. */
export interface IntervalScheduler {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface ScaleStatus {
  key: string;
  desired: number;
  ready: number;
  panic: boolean;
  stableAverage: number;
  panicAverage: number;
  /** Per-instance value aimed at (target × utilization): concurrency, or requests per second. */
  targetValue: number;
  metric: 'concurrency' | 'rps';
  /** Knative's excess burst capacity at the last decision: below zero the gateway holds requests for the revision. */
  excessBurstCapacity: number;
  /** Time of the last decision, from `now()`; undefined before the first. */
  lastTickAt: number | undefined;
}

export interface AutoscalerLoopOptions {
  now?: () => number;
  scheduler?: IntervalScheduler;
  sampleMs?: number;
  tickMs?: number;
  revisions: () => Iterable<ScaledRevision>;
  /** Called with a revision's first decision and whenever its count changes after that. */
  onDesired: (key: string, desired: number, info: ScaleStatus) => void;
  /** Where an `onDesired` failure goes; without it the failure is thrown from the timer. */
  onError?: (error: unknown, key: string) => void;
}

interface Tracked {
  settings: DeciderSettings;
  config: DeciderConfig;
  state: DeciderState;
  status: ScaleStatus;
  /** The last count passed to `onDesired`; undefined before the first. */
  announced: number | undefined;
  /** The request counter and time at the previous sample, for metric rps; undefined before the first. */
  counted: { requests: number; atMs: number } | undefined;
}

const SYSTEM_TIMERS: IntervalScheduler = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class AutoscalerLoop {
  private readonly now: () => number;
  private readonly scheduler: IntervalScheduler;
  private readonly sampleMs: number;
  private readonly tickMs: number;
  private readonly tracked = new Map<string, Tracked>();
  private timers: unknown[] = [];

  constructor(private readonly options: AutoscalerLoopOptions) {
    this.now = options.now ?? Date.now;
    this.scheduler = options.scheduler ?? SYSTEM_TIMERS;
    this.sampleMs = options.sampleMs ?? 1000;
    this.tickMs = options.tickMs ?? 2000;
  }

  /** Starts sampling and ticking; calling it twice changes nothing. */
  start(): void {
    if (this.timers.length > 0) return;
    this.timers = [
      this.scheduler.setInterval(() => this.sample(), this.sampleMs),
      this.scheduler.setInterval(() => this.tick(), this.tickMs),
    ];
  }

  stop(): void {
    for (const timer of this.timers) this.scheduler.clearInterval(timer);
    this.timers = [];
  }

  /** Records one in-flight sample per revision; forgets revisions no longer listed. */
  sample(): void {
    const now = this.now();
    const seen = new Set<string>();
    for (const revision of this.options.revisions()) {
      seen.add(revision.key);
      const tracked = this.track(revision, now);
      const value = tracked.config.metric === 'rps' ? this.rateOf(tracked, revision, now) : revision.inFlight();
      if (value !== undefined) tracked.state = recordConcurrency(tracked.config, tracked.state, value, now);
      tracked.status.ready = revision.readyCount;
    }
    for (const key of this.tracked.keys()) if (!seen.has(key)) this.tracked.delete(key);
  }

  /** Decides for every revision and announces the counts that changed. */
  tick(): void {
    const now = this.now();
    this.forEachAnnouncing(this.options.revisions(), (revision) => this.decideFor(revision, now));
  }

  /**
   * A request reached `key` while it had no ready instance: counts it as
   * concurrency now (at least 1, even if the gateway has not counted it yet)
   * and decides at once. Returns the desired count, or undefined for an unknown key.
   */
  poke(key: string): number | undefined {
    const now = this.now();
    let revision: ScaledRevision | undefined;
    for (const r of this.options.revisions()) {
      if (r.key === key) {
        revision = r;
        break;
      }
    }
    if (revision === undefined) return undefined;
    const tracked = this.track(revision, now);
    // At least one request is waiting; for metric rps, one in the last second is all that is known of the rate.
    const value = tracked.config.metric === 'rps' ? 1 : Math.max(1, revision.inFlight());
    tracked.state = recordConcurrency(tracked.config, tracked.state, value, now);
    this.forEachAnnouncing([revision], (r) => this.decideFor(r, now));
    return tracked.status.desired;
  }

  /** One entry per tracked revision, sorted by key. */
  status(): ScaleStatus[] {
    return [...this.tracked.values()].map((t) => ({ ...t.status })).sort((a, b) => a.key.localeCompare(b.key));
  }

  statusOf(key: string): ScaleStatus | undefined {
    const tracked = this.tracked.get(key);
    return tracked && { ...tracked.status };
  }

  private track(revision: ScaledRevision, now: number): Tracked {
    let tracked = this.tracked.get(revision.key);
    if (tracked === undefined) {
      const config = resolveDeciderConfig(revision.config);
      const state = initialDeciderState(config, now, revision.readyCount);
      tracked = {
        settings: revision.config,
        config,
        state,
        status: {
          key: revision.key,
          desired: state.desired,
          ready: revision.readyCount,
          panic: state.panicAtMs !== undefined,
          stableAverage: 0,
          panicAverage: 0,
          targetValue: config.targetValue,
          metric: config.metric,
          excessBurstCapacity: 0,
          lastTickAt: undefined,
        },
        announced: undefined,
        counted: undefined,
      };
      this.tracked.set(revision.key, tracked);
    } else if (tracked.settings !== revision.config) {
      // New settings keep the windows and panic state, as Knative's `Update` does.
      tracked.settings = revision.config;
      tracked.config = resolveDeciderConfig(revision.config);
      tracked.status.targetValue = tracked.config.targetValue;
      tracked.status.metric = tracked.config.metric;
    }
    return tracked;
  }

  /** Requests per second since the previous sample; undefined at the first, which only sets the baseline. */
  private rateOf(tracked: Tracked, revision: ScaledRevision, now: number): number | undefined {
    const requests = revision.requests?.() ?? 0;
    const previous = tracked.counted;
    tracked.counted = { requests, atMs: now };
    if (previous === undefined || now <= previous.atMs) return undefined;
    return (Math.max(0, requests - previous.requests) * 1000) / (now - previous.atMs);
  }

  private decideFor(revision: ScaledRevision, now: number): Tracked {
    const tracked = this.track(revision, now);
    const decision = decide(tracked.config, tracked.state, revision.readyCount, now);
    tracked.state = decision.state;
    Object.assign(tracked.status, {
      desired: decision.desired,
      ready: revision.readyCount,
      panic: decision.panic,
      stableAverage: decision.stableAverage,
      panicAverage: decision.panicAverage,
      excessBurstCapacity: decision.excessBurstCapacity,
      lastTickAt: now,
    });
    return tracked;
  }

  /** Runs `step` per revision, then calls `onDesired` where the count changed; one failing callback does not stop the others. */
  private forEachAnnouncing(revisions: Iterable<ScaledRevision>, step: (revision: ScaledRevision) => Tracked): void {
    const failures: unknown[] = [];
    for (const revision of revisions) {
      const tracked = step(revision);
      const { desired } = tracked.status;
      if (tracked.announced === desired) continue;
      tracked.announced = desired;
      try {
        this.options.onDesired(revision.key, desired, { ...tracked.status });
      } catch (error) {
        if (this.options.onError) this.options.onError(error, revision.key);
        else failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'onDesired failed for several revisions');
  }
}

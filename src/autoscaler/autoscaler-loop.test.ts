import { describe, expect, it } from 'vitest';
import { AutoscalerLoop, type IntervalScheduler, type ScaledRevision, type ScaleStatus } from './autoscaler-loop.js';
import type { DeciderSettings } from './decider-config.js';

/** A clock with intervals that fire only when the test advances it. */
class ManualClock implements IntervalScheduler {
  nowMs = 0;
  private timers = new Map<number, { fn: () => void; ms: number; dueMs: number }>();
  private nextId = 1;

  now = (): number => this.nowMs;

  setInterval(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { fn, ms, dueMs: this.nowMs + ms });
    return id;
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Fires due timers in time order (ties in creation order) until `ms` have passed. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      let next: { id: number; dueMs: number } | undefined;
      for (const [id, t] of this.timers) if (t.dueMs <= end && (next === undefined || t.dueMs < next.dueMs)) next = { id, dueMs: t.dueMs };
      if (next === undefined) break;
      const timer = this.timers.get(next.id);
      if (timer === undefined) break;
      this.nowMs = next.dueMs;
      timer.dueMs += timer.ms;
      timer.fn();
    }
    this.nowMs = end;
  }
}

/** A revision whose instances become ready the moment they are wanted. */
class InstantRevision implements ScaledRevision {
  readyCount: number;
  load = 0;
  constructor(
    readonly key: string,
    readonly config: DeciderSettings,
    ready = 0,
  ) {
    this.readyCount = ready;
  }
  inFlight(): number {
    return this.load;
  }
}

/** A revision served at a steady request rate: its counter grows by `perSecond` each second of the clock. */
class SteadyRateRevision extends InstantRevision {
  constructor(
    key: string,
    config: DeciderSettings,
    private readonly clock: ManualClock,
    private readonly perSecond: number,
  ) {
    super(key, config);
  }
  requests(): number {
    return Math.floor((this.clock.nowMs / 1000) * this.perSecond);
  }
}

function setup(revisions: InstantRevision[]) {
  const clock = new ManualClock();
  const calls: { key: string; desired: number; info: ScaleStatus }[] = [];
  const loop = new AutoscalerLoop({
    now: clock.now,
    scheduler: clock,
    revisions: () => revisions,
    onDesired: (key, desired, info) => {
      calls.push({ key, desired, info });
      const revision = revisions.find((r) => r.key === key);
      if (revision) revision.readyCount = desired;
    },
  });
  loop.start();
  return { clock, calls, loop };
}

const ONE_PER_INSTANCE = { target: 1, utilization: 100, initialInstances: 0 };

describe('AutoscalerLoop', () => {
  it('calls onDesired only when the desired count changes', () => {
    const revision = new InstantRevision('spam-00001', ONE_PER_INSTANCE);
    revision.load = 3;
    const { clock, calls } = setup([revision]);
    clock.advance(20_000);
    // First tick at 2 s: samples at 1 s and 2 s average 3 → 3 instances; unchanged for the next 9 ticks.
    expect(calls.map((c) => [c.key, c.desired])).toEqual([['spam-00001', 3]]);
    revision.load = 6;
    clock.advance(80_000);
    const counts = calls.map((c) => c.desired);
    expect(counts.at(-1)).toBe(6);
    // Each call reports a change.
    expect(counts.every((n, i) => i === 0 || n !== counts[i - 1])).toBe(true);
  });

  it('samples every second and decides every two seconds, visible in status()', () => {
    const revision = new InstantRevision('spam-00001', { ...ONE_PER_INSTANCE, maxInstances: 50 });
    revision.load = 4;
    const { clock, loop } = setup([revision]);
    clock.advance(3_000);
    // One tick so far, at 2 s: averages of the samples 4, 4; 4 / (1 × 100 %) = 4. From 0 ready
    // (counted as 1) a need of 4 is ≥ 2 × 1, so that first decision is made in panic mode.
    expect(loop.status()).toEqual([
      // Excess burst capacity, from the 0 ready at that tick: floor(0 × 1 − 200 − 4) = −204: the gateway holds requests.
      {
        key: 'spam-00001',
        desired: 4,
        ready: 4,
        panic: true,
        stableAverage: 4,
        panicAverage: 4,
        targetValue: 1,
        metric: 'concurrency',
        excessBurstCapacity: -204,
        lastTickAt: 2_000,
      },
    ]);
  });

  it('poke at zero ready instances decides at once, without waiting for a tick', () => {
    const revision = new InstantRevision('cold-00001', { ...ONE_PER_INSTANCE, scaleToZeroGracePeriodMs: 30_000 });
    const { clock, calls, loop } = setup([revision]);
    clock.advance(40_001);
    // Started at zero and never used: no instance was ever asked for.
    expect(calls.map((c) => c.desired)).toEqual([0]);
    const before = calls.length;
    // The gateway has not counted the held request yet (load 0): the poke counts it as 1.
    expect(loop.poke('cold-00001')).toBe(1);
    expect(calls.slice(before).map((c) => [c.key, c.desired, c.info.lastTickAt])).toEqual([['cold-00001', 1, 40_001]]);
    expect(loop.poke('no-such-revision')).toBeUndefined();
  });

  it('forgets revisions that are no longer listed', () => {
    const a = new InstantRevision('a-00001', ONE_PER_INSTANCE);
    const b = new InstantRevision('b-00001', ONE_PER_INSTANCE);
    const revisions = [a, b];
    const { clock, loop } = setup(revisions);
    clock.advance(2_000);
    expect(loop.status().map((s) => s.key)).toEqual(['a-00001', 'b-00001']);
    revisions.pop();
    clock.advance(1_000);
    expect(loop.status().map((s) => s.key)).toEqual(['a-00001']);
  });

  it('stop() ends sampling and ticking', () => {
    const revision = new InstantRevision('spam-00001', ONE_PER_INSTANCE);
    const { clock, loop } = setup([revision]);
    clock.advance(4_000);
    loop.stop();
    clock.advance(10_000);
    expect(loop.statusOf('spam-00001')?.lastTickAt).toBe(4_000);
  });

  it('a failing onDesired for one revision does not keep the others from being told', () => {
    const clock = new ManualClock();
    const told: string[] = [];
    const errors: string[] = [];
    const revisions = [new InstantRevision('bad-00001', ONE_PER_INSTANCE), new InstantRevision('good-00001', ONE_PER_INSTANCE)];
    for (const r of revisions) r.load = 1;
    const loop = new AutoscalerLoop({
      now: clock.now,
      scheduler: clock,
      revisions: () => revisions,
      onDesired: (key) => {
        if (key === 'bad-00001') throw new Error('supervisor refused');
        told.push(key);
      },
      onError: (error, key) => errors.push(`${key}: ${(error as Error).message}`),
    });
    loop.start();
    clock.advance(2_000);
    expect(told).toEqual(['good-00001']);
    expect(errors).toEqual(['bad-00001: supervisor refused']);
  });

  it('with metric rps, scales by the rate of the request counter, not the requests in flight', () => {
    const clock = new ManualClock();
    const calls: number[] = [];
    // 30 requests per second, each over at once (nothing in flight); target 10 rps per instance at 100 %.
    const revision = new SteadyRateRevision('rps-00001', { metric: 'rps', target: 10, utilization: 100, maxInstances: 50 }, clock, 30);
    const loop = new AutoscalerLoop({
      now: clock.now,
      scheduler: clock,
      revisions: () => [revision],
      onDesired: (_key, desired) => {
        calls.push(desired);
        revision.readyCount = desired;
      },
    });
    loop.start();
    clock.advance(60_000);
    expect(loop.statusOf('rps-00001')).toMatchObject({ metric: 'rps', desired: 3, stableAverage: 30, targetValue: 10 });
    expect(calls.at(-1)).toBe(3);
  });

  it("reports Knative's excess burst capacity in the status: negative once the load exceeds what the burst capacity leaves, never with a burst capacity of 0", () => {
    const clock = new ManualClock();
    // Target 10 per instance, burst capacity 15, 2 ready: 2 × 10 − 15 − load ≥ 0 only while the load is ≤ 5.
    const bursty = new InstantRevision('bursty-00001', { target: 10, minInstances: 2, initialInstances: 2, targetBurstCapacity: 15 }, 2);
    const calm = new InstantRevision('calm-00001', { target: 10, minInstances: 2, initialInstances: 2, targetBurstCapacity: 0 }, 2);
    const loop = new AutoscalerLoop({ now: clock.now, scheduler: clock, revisions: () => [bursty, calm], onDesired: () => undefined });
    loop.start();
    bursty.load = calm.load = 2;
    clock.advance(10_000);
    expect(loop.statusOf('bursty-00001')?.excessBurstCapacity).toBeGreaterThanOrEqual(0);
    bursty.load = calm.load = 12;
    clock.advance(10_000);
    expect(loop.statusOf('bursty-00001')?.excessBurstCapacity).toBeLessThan(0);
    expect(loop.statusOf('calm-00001')?.excessBurstCapacity).toBeGreaterThanOrEqual(0);
    bursty.load = calm.load = 0;
    clock.advance(10_000);
    expect(loop.statusOf('bursty-00001')?.excessBurstCapacity).toBeGreaterThanOrEqual(0);
  });
});

/**
 * The Knative settings beyond the basic KPA: metric rps, the panic window and
 * threshold, activation scale, target burst capacity and the last-pod
 * retention period, each checked by the instance counts the decider decides.
 */
import { describe, expect, it } from 'vitest';
import { resolveDeciderConfig, type DeciderSettings } from './decider-config.js';
import { decide, initialDeciderState, recordConcurrency, type Decision } from './kpa-decider.js';

/** Samples `value(s)` every second from 0 to `seconds` and decides every 2 s with `ready(s)` ready; the decisions by second. */
function run(settings: DeciderSettings, seconds: number, value: (s: number) => number, ready: (s: number) => number): Map<number, Decision> {
  const config = resolveDeciderConfig(settings);
  let state = initialDeciderState(config, 0);
  const out = new Map<number, Decision>();
  for (let s = 0; s <= seconds; s++) {
    state = recordConcurrency(config, state, value(s), s * 1000);
    if (s % 2 !== 0) continue;
    const decision = decide(config, state, ready(s), s * 1000);
    state = decision.state;
    out.set(s, decision);
  }
  return out;
}

function at(decisions: Map<number, Decision>, second: number): Decision {
  const d = decisions.get(second);
  if (d === undefined) throw new Error(`no decision at ${second} s`);
  return d;
}

describe('metric rps', () => {
  it('aims at 200 requests per second × 70 % per instance by default, and scales by the request rate', () => {
    expect(resolveDeciderConfig({ metric: 'rps' })).toMatchObject({ metric: 'rps', target: 200, targetValue: 140 });
    // 700 rps for a minute at 5 ready: 700 / 140 = 5 instances; 1000 rps: 7.14 → 8.
    expect(at(run({ metric: 'rps' }, 60, () => 700, () => 5), 60)).toMatchObject({ desired: 5, panic: false });
    expect(at(run({ metric: 'rps' }, 60, () => 1000, () => 5), 60)).toMatchObject({ desired: 8, panic: false });
  });

  it('is not capped by the hard concurrency limit, which counts requests in flight, not per second', () => {
    expect(resolveDeciderConfig({ metric: 'rps', concurrency: 10 })).toMatchObject({ target: 200, concurrency: 10 });
    expect(resolveDeciderConfig({ metric: 'rps', target: 50, concurrency: 10 })).toMatchObject({ target: 50, targetValue: 35 });
  });
});

describe('panic threshold and window', () => {
  // Target 1 per instance at 100 %, 5 ready; 5 in flight until 60 s, then 10 from 60 s on.
  const base = { target: 1, utilization: 100, maxInstances: 50 };
  const surge = (s: number) => (s < 60 ? 5 : 10);

  it('enters panic when the panic-window need reaches the configured percent of the ready instances', () => {
    // At 64 the 6 s panic window holds 5, 10 × 5 → 9.17 → a need of 10 = 200 % of 5 ready.
    expect(at(run(base, 64, surge, () => 5), 64)).toMatchObject({ panic: true, desired: 10 });
    // 200 % is below a threshold of 250 %: stable, (4, 64] = 55 × 5 + 5 × 10 = 325 / 60 → 6.
    expect(at(run({ ...base, panicThreshold: 250 }, 64, surge, () => 5), 64)).toMatchObject({ panic: false, desired: 6 });
    // With 300 % the need must reach 15: 20 in flight from 60 s do it, (58, 64] = 5 + 5 × 20 = 105 / 6 → 18 = 360 %.
    const big = (s: number) => (s < 60 ? 5 : 20);
    expect(at(run({ ...base, panicThreshold: 300 }, 64, big, () => 5), 64)).toMatchObject({ panic: true, desired: 18 });
  });

  it('takes the panic window as the configured percent of the stable window', () => {
    expect(resolveDeciderConfig({ panicWindowPercentage: 50 }).panicWindowMs).toBe(30_000);
    // A 30 s panic window at 62 holds (32, 62]: 27 × 5 + 3 × 10 = 165 / 30 = 5.5 → 6, no panic;
    // the default 6 s window holds 5, 5, 5, 10, 10, 10 → 7.5 → 8, no panic either.
    expect(at(run({ ...base, panicWindowPercentage: 50 }, 62, surge, () => 5), 62).panicAverage).toBe(5.5);
    expect(at(run(base, 62, surge, () => 5), 62).panicAverage).toBe(7.5);
  });
});

describe('activationScale', () => {
  it('scales a revision at zero to at least activationScale on its first request, by any metric', () => {
    for (const metric of ['concurrency', 'rps'] as const) {
      const config = resolveDeciderConfig({ metric, activationScale: 4, initialInstances: 0 });
      let state = initialDeciderState(config, 0);
      state = recordConcurrency(config, state, 1, 1000);
      expect(decide(config, state, 0, 1000).desired).toBe(4);
    }
  });
});

describe('scaleToZeroPodRetentionPeriod', () => {
  // Stable window 10 s, traffic 1 until 9 s, no grace period: the need is 0 from the tick at 20 s, (10, 20].
  const settings = { target: 1, utilization: 100, stableWindowMs: 10_000, scaleToZeroGracePeriodMs: 0 };
  const traffic = (s: number) => (s < 10 ? 1 : 0);

  it('without it, the last instance goes at the first decision of zero', () => {
    const d = run(settings, 30, traffic, () => 1);
    expect([18, 20].map((s) => at(d, s).desired)).toEqual([1, 0]);
  });

  it('keeps the last instance that long after the first decision of zero', () => {
    const d = run({ ...settings, scaleToZeroPodRetentionMs: 30_000 }, 60, traffic, () => 1);
    expect([20, 30, 48, 50].map((s) => at(d, s).desired)).toEqual([1, 1, 1, 0]);
  });

  it('and the grace period since the last traffic still counts when it ends later', () => {
    const d = run({ ...settings, scaleToZeroGracePeriodMs: 40_000, scaleToZeroPodRetentionMs: 10_000 }, 60, traffic, () => 1);
    // Retention would end at 30; the grace period since the last traffic (9 s) ends at 49.
    expect([30, 48, 50].map((s) => at(d, s).desired)).toEqual([1, 1, 0]);
  });

  it('starts again when traffic returns during the retention', () => {
    const back = (s: number) => (s < 10 || s === 30 ? 1 : 0);
    const d = run({ ...settings, scaleToZeroPodRetentionMs: 20_000 }, 80, back, () => 1);
    // First zero at 20 (would end at 40); traffic at 30 lifts the need until the window (30, 40] is empty:
    // zero again at 40, so the retention runs anew to 60.
    expect([30, 40, 58, 60].map((s) => at(d, s).desired)).toEqual([1, 1, 1, 0]);
  });
});

describe('targetBurstCapacity: the excess burst capacity the gateway holds requests by', () => {
  it.each([
    // ready × target (100) − capacity − panic load: 3 × 100 − 200 − 50 = 50 ≥ 0: instances absorb a burst.
    { name: 'default 200 with room', settings: {}, ready: 3, load: 50, want: 50 },
    // 1 × 100 − 200 − 50 = −150 < 0: the gateway holds.
    { name: 'default 200 without room', settings: {}, ready: 1, load: 50, want: -150 },
    { name: '0: only at zero instances', settings: { targetBurstCapacity: 0 }, ready: 1, load: 500, want: 0 },
    { name: '-1: always', settings: { targetBurstCapacity: -1 }, ready: 100, load: 0, want: -1 },
    // Concurrency 10 sets the target 10: 5 × 10 − 20 − 8 = 22.
    { name: 'a hard limit sets the target it counts', settings: { concurrency: 10, targetBurstCapacity: 20 }, ready: 5, load: 8, want: 22 },
  ])('$name → $want', ({ settings, ready, load, want }) => {
    expect(at(run(settings, 10, () => load, () => ready), 10).excessBurstCapacity).toBe(want);
  });
});

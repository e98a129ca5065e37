import { describe, expect, it } from 'vitest';
import { resolveDeciderConfig, type DeciderSettings } from './decider-config.js';
import { decide, initialDeciderState, recordConcurrency } from './kpa-decider.js';

interface Tick {
  second: number;
  ready: number;
  desired: number;
  panic: boolean;
  stableAverage: number;
  panicAverage: number;
}

interface Scenario {
  seconds: number;
  /** In-flight requests sampled at second s. */
  inFlight: (s: number) => number;
  /** Ready instances at the tick at second s; by default the previous tick's decision (instant starts). */
  ready?: (s: number, previous: number) => number;
}

/** Samples every second from 0 and decides every 2 s after that second's sample, like the loop. */
function simulate(settings: DeciderSettings, scenario: Scenario): Map<number, Tick> {
  const config = resolveDeciderConfig(settings);
  let state = initialDeciderState(config, 0);
  const ticks = new Map<number, Tick>();
  for (let s = 0; s <= scenario.seconds; s++) {
    state = recordConcurrency(config, state, scenario.inFlight(s), s * 1000);
    if (s % 2 !== 0) continue;
    const ready = scenario.ready ? scenario.ready(s, state.desired) : state.desired;
    const decision = decide(config, state, ready, s * 1000);
    state = decision.state;
    ticks.set(s, { second: s, ready, ...decision });
  }
  return ticks;
}

function tickAt(ticks: Map<number, Tick>, second: number): Tick {
  const tick = ticks.get(second);
  if (tick === undefined) throw new Error(`no tick at ${second} s`);
  return tick;
}

const ONE_PER_INSTANCE = { target: 1, utilization: 100 };

describe('stable scaling: desired = ceil(stable average / (target × utilization))', () => {
  it.each([
    // 10 / (1 × 0.7) = 14.29 → 15 (above the default max 10, so max is raised); ready 10 keeps 15/10 < 2 (no panic) and floor(10/2) = 5 below it.
    { name: '10 in flight, target 1 × 70 %', settings: { target: 1, maxInstances: 100 }, inFlight: 10, ready: 10, want: 15 },
    // 7 / 0.7 = 10 exactly (float division gives 10.000000000000002; still 10 instances).
    { name: '7 in flight, target 1 × 70 %', settings: { target: 1 }, inFlight: 7, ready: 10, want: 10 },
    // Knative defaults: target 100 × 70 % = 70 per instance; 150 / 70 = 2.14 → 3.
    { name: '150 in flight, defaults', settings: {}, inFlight: 150, ready: 2, want: 3 },
    // concurrency 10 without target: target = 10, × 0.7 = 7; 20 / 7 = 2.86 → 3.
    { name: 'hard limit 10 sets the target', settings: { concurrency: 10 }, inFlight: 20, ready: 3, want: 3 },
    // target 50 above the limit 10 is capped at 10: 20 / 7 → 3 (not 20 / 35 → 1).
    { name: 'target is capped by the hard limit', settings: { target: 50, concurrency: 10 }, inFlight: 20, ready: 3, want: 3 },
  ])('$name → $want', ({ settings, inFlight, ready, want }) => {
    const ticks = simulate(settings, { seconds: 60, inFlight: () => inFlight, ready: () => ready });
    expect(tickAt(ticks, 60)).toMatchObject({ desired: want, panic: false, stableAverage: inFlight });
  });

  it('a revision younger than the window is judged on its own samples, not diluted over 60 s', () => {
    // 4 samples of 8 (seconds 0–3): average 8 over 4 buckets, not 32 / 60.
    const config = resolveDeciderConfig(ONE_PER_INSTANCE);
    let state = initialDeciderState(config, 0);
    for (let s = 0; s <= 3; s++) state = recordConcurrency(config, state, 8, s * 1000);
    expect(decide(config, state, 8, 3000)).toMatchObject({ desired: 8, stableAverage: 8 });
  });

  it('before any sample the count is left at the initial scale', () => {
    const config = resolveDeciderConfig({ initialInstances: 3, maxInstances: 10 });
    expect(decide(config, initialDeciderState(config, 0), 0, 2000)).toMatchObject({ desired: 3, stableAverage: 0 });
  });
});

describe('panic mode', () => {
  // Target 1 per instance, 5 ready and 5 in flight until 60 s, then a burst of 10 for 10 s, then 5 again.
  const burst = (s: number) => (s >= 60 && s < 70 ? 10 : 5);

  it('is entered when the panic-window need reaches 2 × ready, and provisions for the panic count', () => {
    const ticks = simulate(ONE_PER_INSTANCE, { seconds: 64, inFlight: burst, ready: () => 5 });
    // t=62: panic window (56, 62] = 5,5,5,10,10,10 → 7.5 → 8; 8 / 5 = 1.6 < 2 → stable: 60 s window
    // (2, 62] = 57 × 5 + 3 × 10 = 315 → 5.25 → 6.
    expect(tickAt(ticks, 62)).toMatchObject({ panic: false, desired: 6, panicAverage: 7.5 });
    // t=64: panic window (58, 64] = 5 + 5 × 10 = 55 / 6 = 9.17 → 10; 10 / 5 = 2 → panic;
    // stable (4, 64] = 55 × 5 + 5 × 10 = 325 / 60 = 5.42 → 6; panic takes max(6, 10) = 10.
    expect(tickAt(ticks, 64)).toMatchObject({ panic: true, desired: 10 });
  });

  it('never scales down while panicking, and leaves only after a stable window without re-trigger', () => {
    const ticks = simulate(ONE_PER_INSTANCE, { seconds: 130, inFlight: burst, ready: (s, previous) => (s <= 64 ? 5 : previous) });
    // Entered at 64 with 10; at 66 ready is 10 and the panic need 10 / 10 = 1 < 2: no re-trigger after 64.
    for (let s = 64; s <= 124; s += 2) expect(tickAt(ticks, s)).toMatchObject({ panic: true, desired: 10 });
    // Meanwhile the stable need has fallen: at 124, (64, 124] = 5 × 10 + 55 × 5 = 325 / 60 → 6.
    expect(Math.ceil(tickAt(ticks, 124).stableAverage)).toBe(6);
    // 64 + 60 < 126: un-panic; stable (66, 126] = 3 × 10 + 57 × 5 = 315 / 60 = 5.25 → 6 (≥ floor(10 / 2) = 5).
    expect(tickAt(ticks, 126)).toMatchObject({ panic: false, desired: 6 });
  });

  it('is extended by every tick that crosses the threshold again', () => {
    // A second, larger burst (40 in flight at 100–105 s) re-triggers while panicking.
    const inFlight = (s: number) => (s >= 100 && s < 106 ? 40 : burst(s));
    const ticks = simulate(ONE_PER_INSTANCE, { seconds: 200, inFlight, ready: (s, previous) => (s <= 64 ? 5 : previous) });
    let lastCrossing: number | undefined;
    for (const tick of ticks.values()) {
      // The threshold test Knative runs: ceil(panic average / target) / max(1, ready) ≥ 2.
      if (Math.ceil(tick.panicAverage) / Math.max(1, tick.ready) >= 2) lastCrossing = tick.second;
      const held = lastCrossing !== undefined && tick.second - lastCrossing <= 60;
      expect({ second: tick.second, panic: tick.panic }).toEqual({ second: tick.second, panic: held });
    }
    expect(tickAt(ticks, 126).panic).toBe(true);
  });
});

describe('rate limits per decision', () => {
  it.each([
    // Need 100; at most ceil(2 × 2) = 4.
    { name: 'scale-up rate 2 from 2 ready', settings: { maxScaleUpRate: 2, maxInstances: 1000 }, inFlight: 100, ready: 2, want: 4 },
    // Zero ready counts as one: at most ceil(1000 × 1) = 1000 out of a need of 5000.
    { name: 'scale-up rate 1000 from zero', settings: { maxInstances: 5000 }, inFlight: 5000, ready: 0, want: 1000 },
    // Need 1; at least floor(10 / 2) = 5.
    { name: 'scale-down rate 2 from 10 ready', settings: {}, inFlight: 1, ready: 10, want: 5 },
    // Need 1; at least floor(10 / 4) = 2.
    { name: 'scale-down rate 4 from 10 ready', settings: { maxScaleDownRate: 4 }, inFlight: 1, ready: 10, want: 2 },
  ])('$name → $want', ({ settings, inFlight, ready, want }) => {
    const ticks = simulate({ ...ONE_PER_INSTANCE, ...settings }, { seconds: 60, inFlight: () => inFlight, ready: () => ready });
    expect(tickAt(ticks, 60).desired).toBe(want);
  });
});

describe('min and max instances', () => {
  it.each([
    // Need 50 from 8 ready (within the rate limits), capped at 8.
    { name: 'max caps the need', settings: { maxInstances: 8 }, inFlight: 50, ready: 8, want: 8 },
    // Need 0, floor(3 / 2) = 1, raised to min 3.
    { name: 'min floors the need', settings: { minInstances: 3 }, inFlight: 0, ready: 3, want: 3 },
  ])('$name → $want', ({ settings, inFlight, ready, want }) => {
    const ticks = simulate({ ...ONE_PER_INSTANCE, ...settings }, { seconds: 60, inFlight: () => inFlight, ready: () => ready });
    expect(tickAt(ticks, 60).desired).toBe(want);
  });

  it('initialInstances is held as the floor until the revision first reaches it', () => {
    // No traffic at all: 2 instances wanted while fewer than 2 are ready, then free to fall.
    const ticks = simulate(
      { ...ONE_PER_INSTANCE, initialInstances: 2, scaleToZeroGracePeriodMs: 0 },
      { seconds: 10, inFlight: () => 0, ready: (s) => (s < 6 ? 1 : 2) },
    );
    expect(tickAt(ticks, 4).desired).toBe(2);
    // At 6, 2 are ready: the floor becomes minInstances 0; need 0, floor(2 / 2) = 1.
    expect(tickAt(ticks, 6).desired).toBe(1);
  });
});

describe('scale to zero', () => {
  // Stable window 10 s so the numbers stay small; 1 request in flight during seconds 0–9.
  const settings = { ...ONE_PER_INSTANCE, stableWindowMs: 10_000, scaleToZeroGracePeriodMs: 30_000 };
  const traffic = (s: number) => (s < 10 ? 1 : 0);

  it('waits for the grace period after the last traffic, even when the stable average is already 0', () => {
    const ticks = simulate(settings, { seconds: 44, inFlight: traffic, ready: () => 1 });
    // At 20 the window (10, 20] holds only zeros, but the last traffic (9 s) is 11 s ago < 30 s.
    expect(tickAt(ticks, 20)).toMatchObject({ stableAverage: 0, desired: 1 });
    expect(tickAt(ticks, 38).desired).toBe(1);
    // 40 − 9 = 31 s ≥ 30 s.
    expect(tickAt(ticks, 40).desired).toBe(0);
  });

  it('never happens with minInstances ≥ 1', () => {
    const ticks = simulate({ ...settings, minInstances: 1 }, { seconds: 200, inFlight: traffic, ready: () => 1 });
    expect([...ticks.values()].every((t) => t.desired >= 1)).toBe(true);
  });

  it('a new revision that never sees traffic goes to zero a grace period after it was created', () => {
    const ticks = simulate({ ...ONE_PER_INSTANCE, scaleToZeroGracePeriodMs: 30_000 }, { seconds: 30, inFlight: () => 0 });
    expect(tickAt(ticks, 28).desired).toBe(1);
    expect(tickAt(ticks, 30).desired).toBe(0);
  });

  it('a revision created with initialInstances 0 starts no instance before traffic arrives', () => {
    const ticks = simulate({ ...ONE_PER_INSTANCE, initialInstances: 0 }, { seconds: 10, inFlight: () => 0 });
    expect([...ticks.values()].map((t) => t.desired)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('traffic arriving at zero activates activationScale instances at once', () => {
    const config = resolveDeciderConfig({ activationScale: 3, initialInstances: 0 });
    let state = initialDeciderState(config, 0);
    for (let s = 0; s < 100; s++) state = recordConcurrency(config, state, 0, s * 1000);
    expect(decide(config, state, 0, 99_000).desired).toBe(0);
    // One request: ceil(avg / 70) = 1 > 0, raised to activationScale 3.
    state = recordConcurrency(config, state, 1, 100_000);
    expect(decide(config, state, 0, 100_000)).toMatchObject({ desired: 3, panic: false });
  });
});

describe('scale-down delay', () => {
  // Stable window 10 s (panic window 1 s), 10 in flight until 20 s then 2, 10 ready throughout;
  // scale-down rate 100 so floor(10 / 100) = 0 does not hide the delay.
  const settings = { ...ONE_PER_INSTANCE, stableWindowMs: 10_000, maxScaleDownRate: 100 };
  const scenario = { seconds: 40, inFlight: (s: number) => (s < 20 ? 10 : 2), ready: () => 10 };

  it('without a delay follows the stable average down', () => {
    const ticks = simulate(settings, scenario);
    // 22: (12, 22] = 7 × 10 + 3 × 2 = 76 → 7.6 → 8; 24: 5 × 10 + 5 × 2 → 6; 26: 44 → 5; 28: 28 → 3; 30: 2.
    expect([22, 24, 26, 28, 30].map((s) => tickAt(ticks, s).desired)).toEqual([8, 6, 5, 3, 2]);
  });

  it('holds the highest decision of the last scaleDownDelay', () => {
    const ticks = simulate({ ...settings, scaleDownDelayMs: 10_000 }, scenario);
    // Max over decisions in (t − 10 s, t]: 28 → {20: 10, …} = 10; 30 → {22: 8, …} = 8; 32 → {24: 6, …} = 6.
    expect([22, 28, 30, 32, 34, 40].map((s) => tickAt(ticks, s).desired)).toEqual([10, 10, 8, 6, 5, 2]);
  });
});

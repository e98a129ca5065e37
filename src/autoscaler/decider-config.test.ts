import { describe, expect, it } from 'vitest';
import { resolveDeciderConfig } from './decider-config.js';

describe('decider settings resolve to Knative defaults', () => {
  it('without settings: target 100 × 70 % = 70 per instance, 60 s stable and 6 s panic windows', () => {
    expect(resolveDeciderConfig()).toMatchObject({
      target: 100,
      concurrency: 0,
      targetValue: 70,
      stableWindowMs: 60_000,
      panicWindowMs: 6_000,
      panicThreshold: 200,
      maxScaleUpRate: 1000,
      maxScaleDownRate: 2,
      scaleDownDelayMs: 0,
      minInstances: 0,
      maxInstances: 10,
      scaleToZeroGracePeriodMs: 30_000,
      activationScale: 1,
      initialInstances: 1,
    });
  });

  it.each([
    { name: 'a hard limit alone becomes the target', settings: { concurrency: 8 }, target: 8, targetValue: 5.6 },
    { name: 'a target above the hard limit is capped', settings: { target: 20, concurrency: 8 }, target: 8, targetValue: 5.6 },
    { name: 'a target below the hard limit is kept', settings: { target: 4, concurrency: 8 }, target: 4, targetValue: 2.8 },
    { name: 'the per-instance value never drops below 0.01', settings: { target: 0.001 }, target: 0.001, targetValue: 0.01 },
  ])('$name', ({ settings, target, targetValue }) => {
    expect(resolveDeciderConfig(settings)).toMatchObject({ target, targetValue });
  });

  it('is frozen: settings are read once', () => {
    expect(Object.isFrozen(resolveDeciderConfig({ target: 5 }))).toBe(true);
  });
});

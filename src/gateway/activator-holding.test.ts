/**
 * targetBurstCapacity at the gateway: while the autoscaler reports a negative
 * excess burst capacity, the activator holds requests beyond the autoscaling
 * target per instance (the revision can still grow), and lets them go when
 * the hold ends or an instance is added.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Activator } from './activator.js';
import { UpstreamPools, type ReadyInstance, type Upstream } from './upstream-pools.js';

const pools: UpstreamPools[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function setup() {
  const ready = new Map<string, ReadyInstance[]>();
  const p = new UpstreamPools();
  pools.push(p);
  const activator = new Activator({ ready: (revision) => ready.get(revision) ?? [], pools: p, hooks: { poke: () => undefined } });
  return { activator, ready };
}

const instance = (id: string): ReadyInstance => ({ id, host: '127.0.0.1', port: 1 });
const deadline = () => Date.now() + 5_000;

/** Acquires `n` slots and says how many were handed out at once. */
function acquireMany(activator: Activator, revision: string, n: number): { now: number; waiting: Array<Promise<Upstream>> } {
  let now = 0;
  const waiting: Array<Promise<Upstream>> = [];
  for (let i = 0; i < n; i++) {
    const slot = activator.acquire(revision, deadline());
    if (slot instanceof Promise) waiting.push(slot);
    else now++;
  }
  return { now, waiting };
}

describe('Activator holding (negative excess burst capacity)', () => {
  it('forwards up to the hard limit only (none here) while not holding', () => {
    const { activator, ready } = setup();
    ready.set('r1', [instance('a')]);
    activator.setLimits('r1', { concurrency: 0, maxInstances: 5, burstTarget: 2 });
    expect(acquireMany(activator, 'r1', 5).now).toBe(5);
  });

  it('while holding, an instance takes the target in flight and the rest wait; ending the hold lets them go', async () => {
    const { activator, ready } = setup();
    ready.set('r1', [instance('a')]);
    activator.setLimits('r1', { concurrency: 0, maxInstances: 5, burstTarget: 2 });
    activator.setHolding('r1', true);
    const { now, waiting } = acquireMany(activator, 'r1', 5);
    expect(now).toBe(2);
    expect(waiting).toHaveLength(3);
    // The autoscaler sees the held requests too.
    expect(activator.load('r1')).toBe(5);
    activator.setHolding('r1', false);
    expect((await Promise.all(waiting)).map((u) => u.id)).toEqual(['a', 'a', 'a']);
  });

  it('while holding, a new instance takes the waiting requests up to the target', async () => {
    const { activator, ready } = setup();
    ready.set('r1', [instance('a')]);
    activator.setLimits('r1', { concurrency: 0, maxInstances: 5, burstTarget: 2 });
    activator.setHolding('r1', true);
    const { waiting } = acquireMany(activator, 'r1', 4);
    ready.set('r1', [instance('a'), instance('b')]);
    activator.readyChanged('r1');
    expect((await Promise.all(waiting)).map((u) => u.id)).toEqual(['b', 'b']);
  });

  it('does not hold at the maximum size, where waiting brings no new instance', () => {
    const { activator, ready } = setup();
    ready.set('r1', [instance('a')]);
    activator.setLimits('r1', { concurrency: 0, maxInstances: 1, burstTarget: 2 });
    activator.setHolding('r1', true);
    expect(acquireMany(activator, 'r1', 5).now).toBe(5);
  });

  it('changes nothing without a burst target (metric rps), and never raises the hard limit', async () => {
    const { activator, ready } = setup();
    ready.set('r1', [instance('a')]);
    activator.setLimits('r1', { concurrency: 0, maxInstances: 5 });
    activator.setHolding('r1', true);
    expect(acquireMany(activator, 'r1', 5).now).toBe(5);
    ready.set('r2', [instance('c')]);
    activator.setLimits('r2', { concurrency: 1, maxInstances: 5, burstTarget: 10 });
    activator.setHolding('r2', true);
    const r2 = acquireMany(activator, 'r2', 3);
    expect(r2.now).toBe(1);
    // The two held by the hard limit fail when the revision is forgotten, not later, after the test.
    const refused = Promise.allSettled(r2.waiting);
    activator.forget('r2');
    expect((await refused).map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

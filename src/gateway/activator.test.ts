import { afterEach, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { Activator } from './activator.js';
import { UpstreamPools, type ReadyInstance } from './upstream-pools.js';

const pools: UpstreamPools[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function setup(options: { maxQueue?: number } = {}) {
  const ready = new Map<string, ReadyInstance[]>();
  const pokes: string[] = [];
  const coldStarts: Array<[string, number]> = [];
  let clock = 1_000;
  const p = new UpstreamPools();
  pools.push(p);
  const activator = new Activator({
    ready: (revision) => ready.get(revision) ?? [],
    pools: p,
    hooks: { poke: (r) => pokes.push(r), coldStart: (r, ms) => coldStarts.push([r, ms]) },
    now: () => clock,
    ...options,
  });
  return { activator, ready, pokes, coldStarts, tick: (ms: number) => (clock += ms), now: () => clock };
}

const instance = (id: string): ReadyInstance => ({ id, host: '127.0.0.1', port: 1 });

describe('Activator', () => {
  it('hands out a slot at once when an instance has room', () => {
    const { activator, ready } = setup();
    ready.set('r1', [instance('a')]);
    const up = activator.acquire('r1', Date.now() + 1000);
    expect(up).not.toBeInstanceOf(Promise);
    expect(activator.load('r1')).toBe(1);
  });

  it('holds a request above the hard concurrency limit until a slot is released', async () => {
    const { activator, ready } = setup();
    ready.set('r1', [instance('a')]);
    activator.setLimits('r1', { concurrency: 1, maxInstances: 5 });
    const first = activator.acquire('r1', Date.now() + 5000);
    const second = activator.acquire('r1', Date.now() + 5000);
    expect(second).toBeInstanceOf(Promise);
    expect(activator.load('r1')).toBe(2);
    if (first instanceof Promise) throw new Error('first should not wait');
    activator.release('r1', first);
    const up = await second;
    expect(up.id).toBe('a');
    expect(up.inFlight).toBe(1);
  });

  it('pokes the autoscaler at zero instances, then forwards when one is ready and reports the cold start', async () => {
    const { activator, ready, pokes, coldStarts, tick } = setup();
    const waiting = activator.acquire('r1', Date.now() + 5000);
    expect(pokes).toEqual(['r1']);
    tick(180);
    ready.set('r1', [instance('a')]);
    activator.readyChanged('r1');
    expect((await waiting).id).toBe('a');
    expect(coldStarts).toEqual([['r1', 180]]);
  });

  it('answers 503 with Retry-After when the deadline passes while waiting, 429 at max instances', async () => {
    const { activator, ready } = setup();
    const cold = activator.acquire('r1', Date.now() + 30);
    await expect(cold).rejects.toMatchObject({ code: 'GW_NO_INSTANCE', status: 503, headers: { 'retry-after': '1' } });

    ready.set('r2', [instance('b')]);
    activator.setLimits('r2', { concurrency: 1, maxInstances: 1 });
    activator.acquire('r2', Date.now() + 1000);
    const full = activator.acquire('r2', Date.now() + 30);
    await expect(full).rejects.toMatchObject({ code: 'GW_AT_CAPACITY', status: 429 });
  });

  it('refuses at once when the queue is full', () => {
    const { activator } = setup({ maxQueue: 2 });
    const held = [activator.acquire('r1', Date.now() + 50), activator.acquire('r1', Date.now() + 50)];
    held.forEach((p) => (p as Promise<unknown>).catch(() => undefined));
    expect(() => activator.acquire('r1', Date.now() + 50)).toThrow(MlaasError);
    expect(activator.load('r1')).toBe(2);
  });

  it('fails the waiting requests of a retired revision', async () => {
    const { activator } = setup();
    const waiting = activator.acquire('r1', Date.now() + 5000);
    activator.forget('r1');
    await expect(waiting).rejects.toMatchObject({ code: 'GW_NO_INSTANCE' });
  });
});

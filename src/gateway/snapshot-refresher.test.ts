// A gateway that loses its store keeps serving the last snapshot and says so; the first read that works again clears it.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewaySnapshot, GatewayStateSource } from '../api/gateway-snapshot.js';
import { SnapshotRefresher } from './snapshot-refresher.js';

function snapshotWith(ready: number): GatewaySnapshot {
  const instances = Array.from({ length: ready }, (_, i) => ({ id: `echo-00001-${i}`, host: '127.0.0.1', port: 4000 + i }));
  return { keys: [], tenants: [], flags: undefined, overridable: new Map(), traffic: new Map(), limits: new Map(), instances: new Map([['echo-00001', instances]]), activator: undefined };
}

/** A store that reports changes when told and fails reads while `down`. */
function source() {
  const listeners = new Set<() => void>();
  const state = { down: false, ready: 1 };
  const src = {
    onChange(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as GatewayStateSource;
  return { src, state, change: () => listeners.forEach((l) => l()), listeners };
}

describe('SnapshotRefresher', () => {
  it('applies a new snapshot on every change the store reports', () => {
    const { src, state, change } = source();
    const applied: number[] = [];
    let clock = 1_000;
    const refresher = new SnapshotRefresher({
      source: src,
      read: () => snapshotWith(state.ready),
      apply: (s) => applied.push(s.instances.get('echo-00001')?.length ?? 0),
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });
    refresher.start();
    state.ready = 3;
    clock = 2_000;
    change();
    expect(applied).toEqual([1, 3]);
    expect(refresher.health()).toEqual({ stale: false, refreshedAt: new Date(2_000).toISOString(), ageMs: 0, ready: { 'echo-00001': 3 } });
    refresher.stop();
  });

  it('keeps the last snapshot when the store cannot be read, stale with the reason and the last good time, until a read works again', () => {
    const { src, state, change, listeners } = source();
    const applied: number[] = [];
    let clock = 1_000;
    const refresher = new SnapshotRefresher({
      source: src,
      read: () => {
        if (state.down) throw new Error('connection to the database lost');
        return snapshotWith(state.ready);
      },
      apply: (s) => applied.push(s.instances.get('echo-00001')?.length ?? 0),
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });
    refresher.start();
    state.down = true;
    clock = 4_000;
    expect(refresher.refresh()).toBe(false);
    change();
    expect(applied).toEqual([1]);
    expect(refresher.health()).toEqual({
      stale: true,
      refreshedAt: new Date(1_000).toISOString(),
      ageMs: 3_000,
      error: 'connection to the database lost',
      ready: { 'echo-00001': 1 },
    });
    state.down = false;
    state.ready = 2;
    clock = 5_000;
    change();
    expect(applied).toEqual([1, 2]);
    expect(refresher.health()).toMatchObject({ stale: false, ageMs: 0, ready: { 'echo-00001': 2 } });
    refresher.stop();
    expect(listeners.size).toBe(0);
  });

  it('throws when the first snapshot cannot be read: there is nothing to serve', () => {
    const { src } = source();
    const refresher = new SnapshotRefresher({
      source: src,
      read: () => {
        throw new Error('no state database');
      },
      apply: () => undefined,
      logger: pino({ level: 'silent' }),
    });
    expect(() => refresher.start()).toThrow('no state database');
  });
});

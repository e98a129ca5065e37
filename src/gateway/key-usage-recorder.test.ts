import { describe, expect, it } from 'vitest';
import { KeyUsageRecorder } from './key-usage-recorder.js';

describe('KeyUsageRecorder', () => {
  it('writes each used key once per batch with its latest time, and what is pending on close', () => {
    const batches: Array<Record<string, number>> = [];
    const recorder = new KeyUsageRecorder({ flush: (used) => batches.push(Object.fromEntries(used)), intervalMs: 60_000 });
    recorder.record('a', 1);
    recorder.record('b', 2);
    recorder.record('a', 3);
    recorder.flushNow();
    recorder.flushNow();
    recorder.record('b', 4);
    recorder.close();
    expect(batches).toEqual([{ a: 3, b: 2 }, { b: 4 }]);
  });

  it('reports a failed write and keeps going', () => {
    const errors: unknown[] = [];
    let calls = 0;
    const recorder = new KeyUsageRecorder({
      flush: () => {
        calls++;
        throw new Error('database is locked');
      },
      onError: (err) => errors.push(err),
      intervalMs: 60_000,
    });
    recorder.record('a', 1);
    recorder.flushNow();
    recorder.record('a', 2);
    recorder.close();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
  });
});

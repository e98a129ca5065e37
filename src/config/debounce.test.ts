import { describe, expect, it } from 'vitest';
import { debounce, type Timers } from './debounce.js';

/** Timers on a clock that only moves when the test says so. */
class ManualTimers implements Timers {
  private at = 0;
  private pending = new Map<number, { due: number; fn: () => void }>();
  private nextId = 1;

  now(): number {
    return this.at;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { due: this.at + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves the clock by `ms`, running what falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.at + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.due <= end).sort((a, b) => a[1].due - b[1].due)[0];
      if (due === undefined) break;
      this.pending.delete(due[0]);
      this.at = due[1].due;
      due[1].fn();
    }
    this.at = end;
  }
}

describe('debounce', () => {
  it('calls once for a burst of triggers, quietMs after the last one', () => {
    const timers = new ManualTimers();
    let calls = 0;
    const d = debounce(() => calls++, { quietMs: 100, maxWaitMs: 1000 }, timers);
    d.trigger();
    timers.advance(50);
    d.trigger();
    timers.advance(50);
    d.trigger();
    timers.advance(99);
    expect(calls).toBe(0);
    timers.advance(1);
    expect(calls).toBe(1);
    timers.advance(1000);
    expect(calls).toBe(1);
  });

  it('calls at the latest maxWaitMs after the first trigger when the triggers never pause', () => {
    const timers = new ManualTimers();
    const at: number[] = [];
    const d = debounce(() => at.push(timers.now()), { quietMs: 100, maxWaitMs: 300 }, timers);
    for (let i = 0; i < 20; i++) {
      d.trigger();
      timers.advance(50);
    }
    // Triggers every 50 ms for 1 s: a call every 300 ms, then one 100 ms after the last trigger (at 950).
    expect(at).toEqual([300, 600, 900]);
    timers.advance(100);
    expect(at).toEqual([300, 600, 900, 1050]);
  });

  it('starts a new burst after a call, and cancel drops a pending call', () => {
    const timers = new ManualTimers();
    let calls = 0;
    const d = debounce(() => calls++, { quietMs: 100, maxWaitMs: 300 }, timers);
    d.trigger();
    timers.advance(100);
    d.trigger();
    timers.advance(100);
    expect(calls).toBe(2);
    d.trigger();
    d.cancel();
    timers.advance(1000);
    expect(calls).toBe(2);
  });
});

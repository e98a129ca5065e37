import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreChangeNotifier } from './store-change-notifier.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('StoreChangeNotifier', () => {
  it('tells the first change of a quiet spell on the next turn, and a burst after it at most once per interval', () => {
    const listeners = new StoreChangeNotifier(undefined, 200);
    let calls = 0;
    listeners.listen(() => calls++);
    listeners.changed();
    expect(calls).toBe(0);
    vi.advanceTimersByTime(0);
    expect(calls).toBe(1);
    // Fifty changes, one each 20 ms up to t = 1000: calls at 200, 400, … 1000, and at 1200 for the one made at 1000.
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(20);
      listeners.changed();
    }
    vi.advanceTimersByTime(200);
    expect(calls).toBe(1 + 6);
    vi.advanceTimersByTime(1000);
    expect(calls).toBe(7);
  });

  it('unsubscribes each subscription on its own, and keeps telling the others when one throws', () => {
    const listeners = new StoreChangeNotifier(undefined, 200);
    const warned = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const heard: string[] = [];
    const listener = (): void => {
      heard.push('twice');
    };
    listeners.listen(() => {
      throw new Error('listener failed');
    });
    const first = listeners.listen(listener);
    listeners.listen(listener);
    first();
    listeners.changed();
    vi.advanceTimersByTime(0);
    expect(heard).toEqual(['twice']);
    expect(warned).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener failed' }), { code: 'MLAAS_CHANGE_LISTENER_FAILED' });
    warned.mockRestore();
  });
});

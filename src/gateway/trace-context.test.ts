import { describe, expect, it } from 'vitest';
import { requestIdOf, traceparentOf, TRACEPARENT } from './trace-context.js';

describe('traceparentOf', () => {
  it("continues a caller's trace with a new span and the caller's flags", () => {
    const sent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    const next = traceparentOf(sent);
    expect(next).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    expect(next).not.toContain('00f067aa0ba902b7');
  });

  it('starts a sampled trace when the caller sent none, a malformed one or the all-zero trace id', () => {
    for (const sent of [undefined, 'nonsense', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, ['a', 'b']]) {
      expect(traceparentOf(sent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });

  it('never gives two requests the same ids, across refills of its random pool', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const m = TRACEPARENT.exec(traceparentOf(undefined));
      traces.add(m?.[1] ?? '');
      spans.add(m?.[2] ?? '');
    }
    expect(traces.size).toBe(2000);
    expect(spans.size).toBe(2000);
  });
});

describe('requestIdOf', () => {
  it("keeps a well-formed caller id and replaces anything else with a new one", () => {
    expect(requestIdOf('req-42')).toBe('req-42');
    const fresh = [requestIdOf(undefined), requestIdOf('bad id with spaces'), requestIdOf(['a', 'b'])];
    expect(new Set(fresh).size).toBe(3);
    for (const id of fresh) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

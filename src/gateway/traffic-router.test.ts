import { describe, expect, it } from 'vitest';
import { compileRouting, pickRevision } from './traffic-router.js';
import { seededRandom as seeded } from '../../test/seeded-random.js';

const split = (sticky: boolean) =>
  compileRouting({
    service: 'spam',
    sticky,
    targets: [
      { revision: 'spam-00001', percent: 90, tag: undefined },
      { revision: 'spam-00002', percent: 10, tag: 'canary' },
      { revision: 'spam-00003', percent: 0, tag: 'next' },
    ],
  });

describe('pickRevision', () => {
  it('splits 90/10 within a point over 10,000 requests', () => {
    const routing = split(false);
    const random = seeded(7);
    let canary = 0;
    for (let i = 0; i < 10_000; i++) if (pickRevision(routing, undefined, random) === 'spam-00002') canary++;
    expect(canary / 100).toBeGreaterThan(9);
    expect(canary / 100).toBeLessThan(11);
  });

  it('never sends traffic to a tag-only target, but knows its tag', () => {
    const routing = split(false);
    const random = seeded(1);
    for (let i = 0; i < 1000; i++) expect(pickRevision(routing, undefined, random)).not.toBe('spam-00003');
    expect(routing.byTag.get('next')).toBe('spam-00003');
    expect(routing.byTag.get('canary')).toBe('spam-00002');
  });

  it('sends a tenant to the same revision every time when sticky, and splits tenants near 90/10', () => {
    const routing = split(true);
    const random = seeded(3);
    let canary = 0;
    for (let t = 0; t < 2000; t++) {
      const first = pickRevision(routing, `tenant-${t}`, random);
      for (let k = 0; k < 3; k++) expect(pickRevision(routing, `tenant-${t}`, random)).toBe(first);
      if (first === 'spam-00002') canary++;
    }
    expect(canary / 20).toBeGreaterThan(7);
    expect(canary / 20).toBeLessThan(13);
  });

  it('answers the only revision without drawing', () => {
    const routing = compileRouting({ service: 's', sticky: false, targets: [{ revision: 's-00001', percent: 100, tag: undefined }] });
    expect(pickRevision(routing, undefined, () => { throw new Error('drew'); })).toBe('s-00001');
  });
});

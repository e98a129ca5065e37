// What the traffic editor sends for the rows a user set: the admin API's targets, a revision's tags beside its percent.
import { describe, expect, it } from 'vitest';
import { targetsOf } from './traffic-editor.js';

describe('targetsOf', () => {
  it('names each revision with a percent or a tag, and leaves out those with neither', () => {
    expect(
      targetsOf([
        { revision: 'spam-00001', percent: 70, tags: '' },
        { revision: 'spam-00002', percent: 30, tags: 'candidate' },
        { revision: 'spam-00003', percent: 0, tags: '' },
      ]),
    ).toEqual([
      { revision: 'spam-00001', percent: 70 },
      { revision: 'spam-00002', percent: 30, tag: 'candidate' },
    ]);
  });

  it("gives a revision's further tags targets of 0%, so its percent counts once", () => {
    expect(targetsOf([{ revision: 'spam-00002', percent: 100, tags: ' next, blue ,' }])).toEqual([
      { revision: 'spam-00002', percent: 100, tag: 'next' },
      { revision: 'spam-00002', percent: 0, tag: 'blue' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { RevisionsSettingsSchema } from './revision-gc-fields.js';

describe('revisions.gc in mlaas.yaml', () => {
  it("defaults to Knative's config-gc", () => {
    expect(RevisionsSettingsSchema.parse({}).gc).toEqual({
      retainSinceCreateTime: 48 * 3_600_000,
      retainSinceLastActiveTime: 15 * 3_600_000,
      minNonActiveRevisions: 20,
      maxNonActiveRevisions: 1000,
    });
  });

  it('takes durations, counts and "disabled"', () => {
    const gc = RevisionsSettingsSchema.parse({ gc: { retainSinceCreateTime: '0s', retainSinceLastActiveTime: 'disabled', minNonActiveRevisions: 1, maxNonActiveRevisions: 'disabled' } }).gc;
    expect(gc).toEqual({ retainSinceCreateTime: 0, retainSinceLastActiveTime: 'disabled', minNonActiveRevisions: 1, maxNonActiveRevisions: 'disabled' });
  });

  it('refuses a max below the min and a minimum that is disabled, naming the field', () => {
    const low = RevisionsSettingsSchema.safeParse({ gc: { minNonActiveRevisions: 5, maxNonActiveRevisions: 2 } });
    expect(low.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['gc.maxNonActiveRevisions: must be ≥ minNonActiveRevisions (5), got 2']);
    expect(RevisionsSettingsSchema.safeParse({ gc: { minNonActiveRevisions: 'disabled' } }).success).toBe(false);
  });
});

/**
 * `revisions.gc` of mlaas.yaml: Knative's config-gc settings, with its
 * defaults and its "disabled" for the retain times and the upper bound.
 */
import { z } from 'zod';
import { duration, integer, strictObject } from '../api/schema-fields.js';

const YEAR_MS = 365 * 24 * 3_600_000;

const disabled = z.literal('disabled');

export const RevisionGcSchema = strictObject({
  retainSinceCreateTime: z
    .union([disabled, duration(0, YEAR_MS)])
    .default(48 * 3_600_000)
    .describe('A non-active revision is kept at least this long after it was created (default 48h; "disabled": no such check).'),
  retainSinceLastActiveTime: z
    .union([disabled, duration(0, YEAR_MS)])
    .default(15 * 3_600_000)
    .describe('A non-active revision is kept at least this long after it lost its traffic (default 15h; "disabled": no such check).'),
  minNonActiveRevisions: integer(0).default(20).describe('Non-active revisions of a service always kept, however old (default 20).'),
  maxNonActiveRevisions: z
    .union([disabled, integer(0)])
    .default(1000)
    .describe('Non-active revisions of a service kept at most, the least recently active deleted first (default 1000; "disabled": no bound).'),
})
  .superRefine((gc, ctx) => {
    if (gc.maxNonActiveRevisions !== 'disabled' && gc.maxNonActiveRevisions < gc.minNonActiveRevisions) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxNonActiveRevisions'],
        message: `must be ≥ minNonActiveRevisions (${gc.minNonActiveRevisions}), got ${gc.maxNonActiveRevisions}`,
      });
    }
  })
  .describe('Revision garbage collection, as Knative’s config-gc: a revision without traffic or tag is non-active.');

export const RevisionsSettingsSchema = strictObject({
  gc: RevisionGcSchema.prefault({}),
}).describe('Settings of every service’s revisions.');

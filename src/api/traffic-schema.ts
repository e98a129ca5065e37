/**
 * Traffic as it crosses a process boundary. `TrafficPolicySchema` is the
 * admin API's whole policy (`PUT /v1/services/:name/traffic`), in the store's
 * terms; its rules that need the revisions are `validateTraffic`'s.
 * `TrafficSchema` is `services.S.traffic` in mlaas.yaml: Knative's `spec.traffic` targets
 * (`revisionName`, `latestRevision`, `tag`, `percent`) with mlaas's routing
 * beside them (`sticky`, `tenantTags`, `flagTag`, `mirror`). Declaring it
 * hands the service's traffic to the files; leaving it out leaves traffic to
 * the CLI and model rollouts. The rules that need the revisions (a named
 * revision exists, percents sum to 100) are checked when a plan is made.
 */
import { z } from 'zod';
import { DNS_LABEL, integer, patternString, strictObject } from './schema-fields.js';

const tag = patternString(DNS_LABEL, 'a tag (DNS label)');

const target = strictObject({
  revisionName: z.string().min(1).optional().describe('A fixed revision, e.g. spam-filter-00003.'),
  latestRevision: z.boolean().optional().describe('Follow the newest ready revision (Knative).'),
  tag: tag.optional().describe('Reach this target by x-mlaas-tag: TAG and mlaas://SERVICE@TAG/…'),
  percent: integer(0, 100).optional().describe('Share of the traffic; a lone target without one gets 100 (Knative), others 0.'),
}).superRefine((t, ctx) => {
  if (t.latestRevision === true && t.revisionName !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected either revisionName or latestRevision: true, got both' });
  } else if (t.latestRevision !== true && t.revisionName === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a revisionName or latestRevision: true, got neither' });
  }
});

export const TrafficSchema = strictObject({
  targets: z.array(target).min(1).describe("Knative's traffic targets."),
  sticky: z.boolean().default(false).describe('Same tenant, same revision: split by a hash of tenant and service.'),
  tenantTags: z.record(patternString(DNS_LABEL, 'a tenant id (DNS label)'), tag).optional().describe('Tenant id → tag it always reaches.'),
  flagTag: z.string().min(1).optional().describe("A flag whose value for the tenant names a tag (checked after tenantTags)."),
  mirror: strictObject({ tag, percent: z.number().gt(0).lte(100) }).optional().describe('Copy percent of requests to the tagged revision.'),
})
  .transform((t) => {
    const lone = t.targets.length === 1;
    return {
      ...t,
      targets: t.targets.map(({ revisionName, latestRevision, tag: name, percent }) => ({
        ...(revisionName === undefined ? {} : { revisionName }),
        ...(latestRevision === true ? { latestRevision: true } : {}),
        ...(name === undefined ? {} : { tag: name }),
        percent: percent ?? (lone ? 100 : 0),
      })),
    };
  })
  .describe('Who gets which revision. Without it, traffic is not managed by the files (mlaas traffic and model rollouts own it).');

export type TrafficConfig = z.output<typeof TrafficSchema>;

/** A whole traffic policy as the admin API takes it (the store's `TrafficPolicy`, `sticky` optional). */
export const TrafficPolicySchema = z.strictObject({
  targets: z
    .array(
      z.strictObject({
        revision: z.string().optional(),
        latestRevision: z.boolean().optional(),
        percent: z.number(),
        tag: z.string().optional(),
      }),
    )
    .min(1),
  sticky: z.boolean().optional(),
  tenantTags: z.record(z.string(), z.string()).optional(),
  flagTag: z.string().optional(),
  mirror: z.strictObject({ tag: z.string(), percent: z.number() }).optional(),
});

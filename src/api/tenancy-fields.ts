/**
 * The mlaas.yaml fields of multi-tenancy: rate limits, tenant attributes,
 * the settings a service lets a request override, and the `flags:` entry
 * (its flagd content is checked by `loadFlagSet`, which knows flagd's schema).
 */
import { z } from 'zod';
import { integer, strictObject } from './schema-fields.js';
import { describeValue } from './zod-issues.js';

export const QuotaSchema = strictObject({
  requestsPerMinute: integer(1).describe('At most this many requests in any 60 seconds (a sliding window).'),
  burst: integer(1).optional().describe('At most this many requests in any one second; no per-second cap when absent.'),
}).meta({ description: 'A rate limit; a request over it gets 429 with Retry-After.' });

export const tenantAttributes = z
  .record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean()], {
      error: (iss) => `expected a string, number or boolean, got ${describeValue(iss.input)}`,
    }),
  )
  .default({})
  .describe('Targeting attributes (plan, region…) that flags see beside the tenant id; never sent to services.');

export const overridableSettings = z
  .array(z.string().min(1))
  .default([])
  .describe('Keys of x-mlaas-config a request may override with the x-mlaas-settings header (base64url JSON).');

export const FlagsSchema = z
  .union([
    strictObject({ file: z.string().min(1).describe('A flagd document (JSON or YAML), relative to mlaas.yaml.') }),
    z.record(z.string(), z.record(z.string(), z.unknown())).describe('Flag name → flagd flag definition; `$evaluators` holds shared rules.'),
  ])
  .optional()
  .describe('Feature flags in flagd format, evaluated per request with the tenant id as targetingKey and its attributes as context.');

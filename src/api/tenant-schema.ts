/**
 * The tenant resource: a customer's display name, the settings services get
 * in x-mlaas-config, flag-targeting attributes and quotas. `TenantSpecSchema`
 * is what the admin API takes (`PUT /v1/tenants/:id`); mlaas.yaml's
 * `tenants.T` is the same plus `demoKey`.
 */
import { z } from 'zod';
import { QuotaSchema, tenantAttributes } from './tenancy-fields.js';
import { strictObject } from './schema-fields.js';

const tenantSpec = {
  displayName: z.string().min(1).max(200).optional(),
  config: z.record(z.string(), z.unknown()).default({}).describe('Free-form settings passed to services in x-mlaas-config.'),
  attributes: tenantAttributes,
  quota: QuotaSchema.optional().describe('Limit shared by all of the tenant’s keys.'),
  keyQuota: QuotaSchema.optional().describe('Limit of each of the tenant’s keys that has no quota of its own.'),
};

export const TenantSpecSchema = strictObject(tenantSpec);

export const TenantSchema = strictObject({
  ...tenantSpec,
  demoKey: z.boolean().default(false).describe('`mlaas up` creates and prints an API key for this tenant.'),
});

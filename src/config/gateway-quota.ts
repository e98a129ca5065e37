/**
 * Quotas of the gateway document, with Google's meaning
 * (cloud.google.com/endpoints/docs/openapi/quotas-configure):
 * `x-google-management.metrics` names counters, `x-google-management.quota.limits`
 * caps a metric per consumer per minute (`unit: 1/min/{project}`, the only
 * unit API Gateway and Endpoints support; the value is `values.STANDARD`),
 * and an operation's `x-google-quota.metricCosts` says what one request
 * costs on each metric. In mlaas the consumer — Google's project of the API
 * key — is the caller's tenant. Field names are read in both spellings
 * Google's service configuration accepts (`valueType` / `value_type`; ESPv2's
 * own examples use the second).
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors.js';
import { isJsonObject } from '../api/json-object.js';
import { integer, strictObject } from '../api/schema-fields.js';
import { describeIssue, describeValue, fieldIssuesOf, formatPath } from '../api/zod-issues.js';

/** One limit an operation is charged against, with everything the limiter needs per request. */
export interface QuotaCharge {
  /** The limit's `name`, unique in the document: what a refusal and `mlaas status` call it. */
  limit: string;
  metric: string;
  /** `values.STANDARD`: the most cost a consumer may spend on the metric in any 60 seconds. */
  perMinute: number;
  /** What one request of the operation costs; ≥ 1 and ≤ perMinute. */
  cost: number;
}

/** The document's metrics and the limits on each, as read from `x-google-management`. */
export interface DocumentQuotas {
  metrics: ReadonlySet<string>;
  limitsByMetric: ReadonlyMap<string, readonly { name: string; perMinute: number }[]>;
}

export const PER_MINUTE_PER_PROJECT = '1/min/{project}';

const NAME = z.string().min(1);
const TEXT = z.string().optional();

const MetricSchema = strictObject({
  name: NAME,
  displayName: TEXT,
  display_name: TEXT,
  valueType: z.literal('INT64').optional(),
  value_type: z.literal('INT64').optional(),
  metricKind: z.literal('DELTA').optional(),
  metric_kind: z.literal('DELTA').optional(),
});

const LimitSchema = strictObject({
  name: NAME,
  metric: NAME,
  unit: z.literal(PER_MINUTE_PER_PROJECT, {
    error: (iss) =>
      `expected "${PER_MINUTE_PER_PROJECT}" (API Gateway and Endpoints support only per-minute, per-project limits), got ${describeValue(iss.input)}`,
  }),
  values: strictObject({ STANDARD: integer(0) }),
  displayName: TEXT,
  display_name: TEXT,
  description: TEXT,
});

// Each metric and limit is checked on its own, so that one bad entry does not hide the others.
const ManagementSchema = strictObject({
  metrics: z.array(z.unknown()).optional(),
  quota: strictObject({ limits: z.array(z.unknown()).optional() }).optional(),
});

const OperationQuotaSchema = strictObject({ metricCosts: z.record(NAME, integer(0)) });

/** Both spellings of one field: the camelCase one Google's docs use and the snake_case one of its service configuration. */
const ALIASES = [
  ['valueType', 'value_type', 'INT64 (a quota metric counts requests)'],
  ['metricKind', 'metric_kind', 'DELTA (a quota metric counts requests)'],
] as const;

const NO_QUOTAS: DocumentQuotas = { metrics: new Set(), limitsByMetric: new Map() };

/**
 * Reads the top-level `x-google-management`; problems go into `issues`.
 * Undefined when it is unusable (already reported), so that operations'
 * costs are not reported again as naming unknown metrics.
 */
export function parseManagement(raw: unknown, issues: FieldIssue[]): DocumentQuotas | undefined {
  if (raw === undefined) return NO_QUOTAS;
  const at = ['x-google-management'];
  const result = ManagementSchema.safeParse(raw, { error: describeIssue, reportInput: true });
  if (!result.success) issues.push(...fieldIssuesOf(result.error, at));
  // An unknown key beside them does not keep the metrics and limits from being read.
  const metricEntries = isJsonObject(raw) ? entriesOf(raw.metrics) : undefined;
  const quota = isJsonObject(raw) ? raw.quota : undefined;
  const limitEntries = quota === undefined ? [] : isJsonObject(quota) ? entriesOf(quota.limits) : undefined;
  if (metricEntries === undefined || limitEntries === undefined) return undefined;
  const metrics = new Map<string, number>();
  metricEntries.forEach((entry, i) => {
    const here = [...at, 'metrics', i];
    const parsed = MetricSchema.safeParse(entry, { error: describeIssue, reportInput: true });
    if (!parsed.success) issues.push(...fieldIssuesOf(parsed.error, here));
    const metric = parsed.data;
    // A metric with other problems still has its name, which costs and limits may use.
    const name = metric?.name ?? (isJsonObject(entry) && typeof entry.name === 'string' ? entry.name : undefined);
    if (name === undefined) return;
    if (metric !== undefined) {
      for (const [camel, snake, expected] of ALIASES) {
        if (metric[camel] === undefined && metric[snake] === undefined) {
          issues.push({ path: formatPath([...here, camel]), message: `expected ${expected}, got nothing` });
        } else if (metric[camel] !== undefined && metric[snake] !== undefined) {
          issues.push({ path: formatPath([...here, snake]), message: `given twice, as ${camel} and ${snake}` });
        }
      }
    }
    const first = metrics.get(name);
    if (first !== undefined) {
      issues.push({ path: formatPath([...here, 'name']), message: `metric "${name}" is defined twice (first at metrics[${first}])` });
    } else metrics.set(name, i);
  });
  const limitsByMetric = new Map<string, { name: string; perMinute: number }[]>();
  const limitNames = new Map<string, number>();
  limitEntries.forEach((entry, i) => {
    const here = [...at, 'quota', 'limits', i];
    const parsed = LimitSchema.safeParse(entry, { error: describeIssue, reportInput: true });
    if (!parsed.success) {
      issues.push(...fieldIssuesOf(parsed.error, here));
      return;
    }
    const limit = parsed.data;
    const first = limitNames.get(limit.name);
    if (first !== undefined) {
      issues.push({ path: formatPath([...here, 'name']), message: `limit "${limit.name}" is defined twice (first at quota.limits[${first}])` });
      return;
    }
    limitNames.set(limit.name, i);
    if (!metrics.has(limit.metric)) {
      issues.push({ path: formatPath([...here, 'metric']), message: `unknown metric "${limit.metric}" (${knownMetrics(metrics.keys())})` });
      return;
    }
    const list = limitsByMetric.get(limit.metric) ?? [];
    list.push({ name: limit.name, perMinute: limit.values.STANDARD });
    limitsByMetric.set(limit.metric, list);
  });
  return { metrics: new Set(metrics.keys()), limitsByMetric };
}

/**
 * Reads an operation's `x-google-quota` found at `at` into the limits it is
 * charged against; `[]` when it has none. A metric without a limit is
 * counted by Google only for monitoring, so it charges nothing here.
 */
export function parseOperationQuota(
  raw: unknown,
  at: readonly PropertyKey[],
  quotas: DocumentQuotas | undefined,
  issues: FieldIssue[],
): QuotaCharge[] {
  if (raw === undefined) return [];
  const result = OperationQuotaSchema.safeParse(raw, { error: describeIssue, reportInput: true });
  if (!result.success) {
    issues.push(...fieldIssuesOf(result.error, at));
    return [];
  }
  const charges: QuotaCharge[] = [];
  if (quotas === undefined) return charges;
  for (const [metric, cost] of Object.entries(result.data.metricCosts)) {
    const path = formatPath([...at, 'metricCosts', metric]);
    if (!quotas.metrics.has(metric)) {
      issues.push({ path, message: `unknown metric "${metric}" (${knownMetrics(quotas.metrics)})` });
      continue;
    }
    if (cost === 0) continue;
    for (const limit of quotas.limitsByMetric.get(metric) ?? []) {
      if (cost > limit.perMinute) {
        issues.push({
          path,
          message: `costs ${cost}, more than limit "${limit.name}" allows per minute (${limit.perMinute}): no request could ever pass`,
        });
        continue;
      }
      charges.push({ limit: limit.name, metric, perMinute: limit.perMinute, cost });
    }
  }
  return charges;
}

/** A list's entries, `[]` for none, undefined for something else (reported by the schema). */
function entriesOf(value: unknown): readonly unknown[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : undefined;
}

function knownMetrics(names: Iterable<string>): string {
  const list = [...names].sort();
  return `x-google-management.metrics defines ${list.length === 0 ? 'none' : list.join(', ')}`;
}

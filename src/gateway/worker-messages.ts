/**
 * What a gateway worker (gateway-worker.ts) and the `mlaas up` primary
 * (gateway-workers.ts) say to each other over the cluster's IPC channel
 * (advanced serialization: Maps cross as Maps). Each side checks what it
 * receives with these schemas; a snapshot and the gateway's operations are
 * checked for their shape only, since the primary built them with the same
 * code from validated sources.
 */
import { z } from 'zod';
import type { GatewaySnapshot } from '../api/gateway-snapshot.js';
import type { GatewayOperation } from '../config/index.js';
import type { QuotaStoreSettings } from '../config/quota-store-fields.js';
import type { ConnectionLimits } from '../http/index.js';
import type { QuotaCheckResult } from './quota-checker.js';
import type { QuotaLimits } from './quota-limiter.js';

const SnapshotShape = z.custom<GatewaySnapshot>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['overridable', 'traffic', 'limits', 'instances'].every((k) => (v as Record<string, unknown>)[k] instanceof Map) &&
    Array.isArray((v as Record<string, unknown>)['keys']) &&
    Array.isArray((v as Record<string, unknown>)['tenants']),
  { message: 'expected a gateway snapshot' },
);
const OperationsShape = z.custom<readonly GatewayOperation[]>((v) => Array.isArray(v), { message: 'expected the gateway operations' });

/** What a worker is started with; the same for every worker of one `mlaas up`. */
export interface WorkerSettings {
  host: string;
  port: number;
  maxBodyBytes: number;
  connections: Partial<ConnectionLimits>;
  stateDir: string;
  jwksBaseDir: string;
  /** Present when metrics are on. */
  metrics?: { tenantLabels: number };
  /** Present when request logs are on: the primary writes the lines the worker sends. */
  requestLog?: { sample: number };
  /** `quotas` of mlaas.yaml: each worker then counts in Redis itself; absent, the primary counts. */
  quotas?: QuotaStoreSettings;
}

export const ToWorkerSchema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('init'),
    settings: z.custom<WorkerSettings>((v) => typeof v === 'object' && v !== null),
    operations: OperationsShape,
    snapshot: SnapshotShape,
  }),
  z.object({ t: z.literal('snapshot'), snapshot: SnapshotShape }),
  z.object({ t: z.literal('operations'), operations: OperationsShape }),
  z.object({ t: z.literal('quota'), id: z.number().int(), result: z.custom<QuotaCheckResult>((v) => typeof v === 'object' && v !== null) }),
  z.object({ t: z.literal('metrics'), id: z.number().int() }),
  z.object({ t: z.literal('drain') }),
  /** These instances are about to stop: let what is in flight to them finish (Gateway.drainInstances), then say `drained`. */
  z.object({ t: z.literal('drain-instances'), id: z.number().int(), ids: z.array(z.string()), timeoutMs: z.number() }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

const RateLimitSchema = z.object({ requestsPerMinute: z.number(), burst: z.number().optional() });
const QuotaLimitsSchema = z.custom<QuotaLimits>((v) => {
  if (typeof v !== 'object' || v === null) return false;
  const { key, tenant, document } = v as Record<string, unknown>;
  return (
    (key === undefined || RateLimitSchema.safeParse(key).success) &&
    (tenant === undefined || RateLimitSchema.safeParse(tenant).success) &&
    (document === undefined || Array.isArray(document))
  );
});

export const FromWorkerSchema = z.discriminatedUnion('t', [
  /** Listening for messages: what the primary sent before would have been lost. */
  z.object({ t: z.literal('ready') }),
  z.object({ t: z.literal('listening'), port: z.number().int() }),
  /** Why it cannot serve; `code` when that is an MlaasError (a taken port: CONFIG_PORT_UNAVAILABLE). */
  z.object({ t: z.literal('failed'), error: z.string(), code: z.string().optional() }),
  z.object({ t: z.literal('quota'), id: z.number().int(), keyId: z.string(), tenantId: z.string(), limits: QuotaLimitsSchema }),
  z.object({
    t: z.literal('report'),
    /** Revision → [requests in flight or waiting now, requests that reached it so far]. */
    load: z.map(z.string(), z.tuple([z.number(), z.number()])),
    /** Instance id → requests in flight to it from this worker now. */
    inFlight: z.record(z.string(), z.number()),
    keysUsed: z.map(z.string(), z.number()),
    requestLogLines: z.array(z.string()),
  }),
  z.object({ t: z.literal('metrics'), id: z.number().int(), metrics: z.array(z.unknown()) }),
  z.object({ t: z.literal('drained'), id: z.number().int() }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;

/**
 * How a revision record's `scaling` and `timeoutSeconds` read once recorded:
 * the schema with the defaults a revision recorded before a setting existed
 * gets, and the part of it a gateway enforces (hard concurrency per instance,
 * maximum size, timeout). The autoscaler's reading is the control plane's
 * (control-plane/revision-scaling.ts), over the same schema.
 */
import { z } from 'zod';
import type { RevisionRecord } from './revision.js';
import { DEFAULT_REVISION_TIMEOUT_SECONDS } from './service-schema.js';

export const RecordedScaling = z.object({
  minInstances: z.number().int().min(0).default(0),
  maxInstances: z.number().int().min(1).default(10),
  initialInstances: z.number().int().min(0).default(1),
  concurrency: z.number().int().min(0).default(0),
  target: z.number().positive().optional(),
  utilization: z.number().min(1).max(100).default(70),
  stableWindow: z.number().min(6_000).default(60_000),
  scaleToZeroAfter: z.number().min(0).default(30_000),
  scaleDownDelay: z.number().min(0).default(0),
  // Absent = the decider's (Knative's) default.
  metric: z.enum(['concurrency', 'rps']).optional(),
  panicWindowPercentage: z.number().min(1).max(100).optional(),
  panicThresholdPercentage: z.number().min(110).max(1000).optional(),
  activationScale: z.number().int().min(1).optional(),
  targetBurstCapacity: z.number().min(-1).optional(),
  scaleToZeroPodRetentionPeriod: z.number().min(0).optional(),
});

export const RecordedTimeout = z.number().positive().default(DEFAULT_REVISION_TIMEOUT_SECONDS);

/** What the gateway's activator holds a revision to. */
export interface RevisionLimits {
  /** Requests one instance takes at once; 0 = no limit. */
  concurrency: number;
  maxInstances: number;
  /** How long the gateway waits for an instance's answer (timeoutSeconds). */
  timeoutMs: number;
}

export function revisionLimits(rev: RevisionRecord): RevisionLimits {
  const s = RecordedScaling.parse((rev.spec as { scaling?: unknown }).scaling ?? {});
  const timeoutSeconds = RecordedTimeout.parse((rev.spec as { timeoutSeconds?: unknown }).timeoutSeconds);
  return { concurrency: s.concurrency, maxInstances: s.maxInstances, timeoutMs: timeoutSeconds * 1000 };
}

/**
 * A revision's recorded `scaling` and `timeoutSeconds` as the autoscaler (KPA
 * decider settings), the gateway's activator (hard concurrency, maximum size,
 * timeout) and the reconciler (instances to start with) each need it.
 * Revisions recorded before a setting existed get its default.
 */
import { z } from 'zod';
import type { DeciderSettings } from '../autoscaler/index.js';
import { DEFAULT_REVISION_TIMEOUT_SECONDS } from '../api/service-schema.js';
import type { RevisionRecord } from './state-store.js';

const RecordedScaling = z.object({
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

const RecordedTimeout = z.number().positive().default(DEFAULT_REVISION_TIMEOUT_SECONDS);

export interface RevisionScaling {
  decider: DeciderSettings;
  concurrency: number;
  maxInstances: number;
  /** Instances started with the revision, before it takes traffic: never fewer than min. */
  initialInstances: number;
  /** How long the gateway waits for an instance's answer (timeoutSeconds). */
  timeoutMs: number;
}

export function revisionScaling(rev: RevisionRecord): RevisionScaling {
  const s = RecordedScaling.parse((rev.spec as { scaling?: unknown }).scaling ?? {});
  const decider: DeciderSettings = {
    concurrency: s.concurrency,
    utilization: s.utilization,
    stableWindowMs: s.stableWindow,
    scaleToZeroGracePeriodMs: s.scaleToZeroAfter,
    scaleDownDelayMs: s.scaleDownDelay,
    minInstances: s.minInstances,
    maxInstances: s.maxInstances,
    initialInstances: s.initialInstances,
  };
  if (s.target !== undefined) decider.target = s.target;
  if (s.metric !== undefined) decider.metric = s.metric;
  if (s.panicWindowPercentage !== undefined) decider.panicWindowPercentage = s.panicWindowPercentage;
  if (s.panicThresholdPercentage !== undefined) decider.panicThreshold = s.panicThresholdPercentage;
  if (s.activationScale !== undefined) decider.activationScale = s.activationScale;
  if (s.targetBurstCapacity !== undefined) decider.targetBurstCapacity = s.targetBurstCapacity;
  if (s.scaleToZeroPodRetentionPeriod !== undefined) decider.scaleToZeroPodRetentionMs = s.scaleToZeroPodRetentionPeriod;
  const timeoutSeconds = RecordedTimeout.parse((rev.spec as { timeoutSeconds?: unknown }).timeoutSeconds);
  return {
    timeoutMs: timeoutSeconds * 1000,
    decider,
    concurrency: s.concurrency,
    maxInstances: s.maxInstances,
    initialInstances: Math.max(s.minInstances, s.initialInstances),
  };
}

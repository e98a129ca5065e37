/**
 * A revision's recorded `scaling` and `timeoutSeconds` as the autoscaler (KPA
 * decider settings), the gateway's activator (hard concurrency, maximum size,
 * timeout) and the reconciler (instances to start with) each need it.
 * Revisions recorded before a setting existed get its default (the schema
 * is the resource model's: api/revision-limits.ts).
 */
import type { DeciderSettings } from '../autoscaler/index.js';
import { RecordedScaling, RecordedTimeout } from '../api/revision-limits.js';
import type { RevisionRecord } from '../state/state-store.js';

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

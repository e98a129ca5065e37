/**
 * A revision's recorded `scaling` as the autoscaler (KPA decider settings),
 * the gateway's activator (hard concurrency, maximum size) and the
 * reconciler (instances to start with) each need it. Revisions recorded
 * before a setting existed get its default.
 */
import { z } from 'zod';
import type { DeciderSettings } from '../autoscaler/index.js';
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
});

export interface RevisionScaling {
  decider: DeciderSettings;
  concurrency: number;
  maxInstances: number;
  /** Instances started with the revision, before it takes traffic: never fewer than min. */
  initialInstances: number;
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
  return {
    decider,
    concurrency: s.concurrency,
    maxInstances: s.maxInstances,
    initialInstances: Math.max(s.minInstances, s.initialInstances),
  };
}

/**
 * Revision garbage collection with Knative's config-gc semantics
 * (knative/serving pkg/reconciler/gc): which revisions of a service to
 * delete, as a pure function of its revisions, its traffic and `now`.
 *
 * Active revisions are never collected: those the traffic holds (a percent
 * or a tag, see traffic-holds.ts), the latest ready one, the latest created
 * one, and one still being deployed. Of the others, oldest activity first:
 *   - while more than `minNonActiveRevisions` remain, each stale one goes —
 *     stale when created at least `retainSinceCreateTime` ago and inactive
 *     for at least `retainSinceLastActiveTime` (a disabled check passes;
 *     both disabled: nothing is stale);
 *   - of those not stale, all beyond the `maxNonActiveRevisions` most
 *     recently active go too.
 * A revision's last activity is when it lost its traffic, or its creation
 * if it never had any.
 */
import { latestReadyRevision } from './resolve-traffic.js';
import type { RevisionRecord, TrafficPolicy } from '../state/state-store.js';
import { trafficHolds } from './traffic-holds.js';

export type Disableable = number | 'disabled';

export interface RevisionGcSettings {
  /** Milliseconds. */
  retainSinceCreateTime: Disableable;
  /** Milliseconds. */
  retainSinceLastActiveTime: Disableable;
  minNonActiveRevisions: number;
  maxNonActiveRevisions: Disableable;
}

/** Knative's defaults (config-gc.yaml). */
export const DEFAULT_REVISION_GC: RevisionGcSettings = Object.freeze({
  retainSinceCreateTime: 48 * 3_600_000,
  retainSinceLastActiveTime: 15 * 3_600_000,
  minNonActiveRevisions: 20,
  maxNonActiveRevisions: 1000,
});

/** The revisions of one service that GC deletes now, least recently active first. */
export function revisionsToCollect(
  revisions: readonly RevisionRecord[],
  policy: TrafficPolicy,
  settings: RevisionGcSettings,
  now: Date,
): RevisionRecord[] {
  const { minNonActiveRevisions: min, maxNonActiveRevisions: max } = settings;
  if (max === 'disabled' && settings.retainSinceCreateTime === 'disabled' && settings.retainSinceLastActiveTime === 'disabled') return [];
  if (revisions.length <= min) return [];
  const latestReady = latestReadyRevision(revisions)?.name;
  const latestCreated = revisions.reduce<RevisionRecord | undefined>((a, r) => (a === undefined || r.number > a.number ? r : a), undefined)?.name;
  const nonActive = revisions
    .filter((r) => r.name !== latestReady && r.name !== latestCreated && r.state !== 'pending' && trafficHolds(r.name, policy, revisions).length === 0)
    .sort((a, b) => lastActive(a) - lastActive(b) || a.number - b.number);
  if (nonActive.length <= min) return [];

  const collect: RevisionRecord[] = [];
  const nonStale: RevisionRecord[] = [];
  let remaining = nonActive.length;
  for (const rev of nonActive) {
    if (remaining <= min) return collect;
    if (isStale(rev, settings, now.getTime())) {
      collect.push(rev);
      remaining--;
    } else nonStale.push(rev);
  }
  if (max !== 'disabled' && nonStale.length > max) collect.push(...nonStale.slice(0, nonStale.length - max));
  return collect;
}

function isStale(rev: RevisionRecord, settings: RevisionGcSettings, nowMs: number): boolean {
  const { retainSinceCreateTime: sinceCreate, retainSinceLastActiveTime: sinceActive } = settings;
  if (sinceCreate === 'disabled' && sinceActive === 'disabled') return false;
  if (sinceCreate !== 'disabled' && nowMs - Date.parse(rev.createdAt) < sinceCreate) return false;
  if (sinceActive !== 'disabled' && nowMs - lastActive(rev) < sinceActive) return false;
  return true;
}

function lastActive(rev: RevisionRecord): number {
  return Date.parse(rev.lastActiveAt ?? rev.createdAt);
}

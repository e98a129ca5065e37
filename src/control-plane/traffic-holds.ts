/**
 * What of a service's traffic policy holds a revision: a target naming it
 * (with a percent or a tag), or a `latestRevision` target while it is the
 * latest ready one. A held revision is active: it may not be deleted, by
 * hand or by revision GC.
 */
import { latestReadyRevision } from './resolve-traffic.js';
import type { RevisionRecord, TrafficPolicy } from '../state/state-store.js';

/** One line per target that holds `name`, e.g. `50% (latestRevision)`, `tag canary`; empty when nothing does. */
export function trafficHolds(name: string, policy: TrafficPolicy, revisions: readonly RevisionRecord[]): string[] {
  const latest = latestReadyRevision(revisions)?.name;
  const holds: string[] = [];
  for (const t of policy.targets) {
    const follows = t.latestRevision === true;
    if ((follows ? latest : t.revision) !== name) continue;
    if (t.percent === 0 && t.tag === undefined) continue;
    const parts = [
      ...(t.percent > 0 ? [`${t.percent}%`] : []),
      ...(t.tag === undefined ? [] : [`tag ${t.tag}`]),
      ...(follows ? ['(latestRevision)'] : []),
    ];
    holds.push(parts.join(' '));
  }
  return holds;
}

/**
 * Records a running revision's health in the store: after a few failures in
 * a row (a crash loop, restarted with backoff by the supervisor) the revision
 * is marked failed with the reason, as Knative marks it not Ready; once an
 * instance of it is ready again, it is marked ready.
 */
import type { StateStore } from '../state/state-store.js';

/** Failures in a row that make a crash loop. */
export const CRASH_LOOP_FAILURES = 3;
const CRASH_LOOP = 'crash loop: ';

export interface RevisionHealth {
  failed(revision: string, reason: string, consecutive: number): void;
  readyChanged(revision: string, readyCount: number): void;
}

export function revisionHealth(store: StateStore): RevisionHealth {
  return {
    failed(revision, reason, consecutive) {
      if (consecutive < CRASH_LOOP_FAILURES) return;
      const rev = store.getRevision(revision);
      if (rev === undefined || rev.state !== 'ready') return;
      store.setRevisionState(revision, 'failed', `${CRASH_LOOP}${reason} (${consecutive} times in a row; restarting with backoff)`, {
        actor: 'runtime',
      });
    },
    readyChanged(revision, readyCount) {
      if (readyCount === 0) return;
      const rev = store.getRevision(revision);
      if (rev?.state === 'failed' && rev.reason?.startsWith(CRASH_LOOP) === true) {
        store.setRevisionState(revision, 'ready', undefined, { actor: 'runtime' });
      }
    },
  };
}

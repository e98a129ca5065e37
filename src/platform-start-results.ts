/**
 * What `mlaas up` reports of each declared service once started: the
 * revisions serving it with their percent, its ready instances, or why it
 * did not start.
 */
import { DEFAULT_TRAFFIC, resolveTraffic } from './api/traffic-resolution.js';
import type { StateStore } from './state/state-store.js';

export interface ServiceStartResult {
  service: string;
  /** The revisions with traffic and their percent, e.g. `spam-filter-00002 (100%)`. */
  serving: string[];
  /** Ready instances over all revisions with traffic. */
  ready: number;
  error?: string;
}

export function startResults(
  declared: readonly string[],
  errors: ReadonlyMap<string, string>,
  store: StateStore,
  readyCount: (revision: string) => number,
): ServiceStartResult[] {
  return declared.map((service) => {
    const error = errors.get(service);
    const result: ServiceStartResult = { service, serving: [], ready: 0, ...(error === undefined ? {} : { error }) };
    const traffic = resolveTraffic(service, store.getTraffic(service) ?? DEFAULT_TRAFFIC, store.listRevisions(service));
    for (const t of traffic?.targets ?? []) {
      if (t.percent === 0) continue;
      result.serving.push(`${t.revision} (${t.percent}%)`);
      result.ready += readyCount(t.revision);
    }
    return result;
  });
}

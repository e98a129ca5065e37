/**
 * The last cold starts of each revision — from the first request held at
 * zero instances to the first ready instance — for `mlaas status`.
 */
export interface ColdStartSummary {
  revision: string;
  count: number;
  lastMs: number;
  p50Ms: number;
  maxMs: number;
}

export class ColdStartLog {
  readonly #byRevision = new Map<string, number[]>();

  constructor(private readonly keep = 20) {}

  record(revision: string, ms: number): void {
    const list = this.#byRevision.get(revision) ?? [];
    list.push(ms);
    if (list.length > this.keep) list.shift();
    this.#byRevision.set(revision, list);
  }

  summary(): ColdStartSummary[] {
    return [...this.#byRevision.entries()].map(([revision, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return {
        revision,
        count: list.length,
        lastMs: list[list.length - 1] ?? 0,
        p50Ms: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0,
        maxMs: sorted[sorted.length - 1] ?? 0,
      };
    });
  }
}

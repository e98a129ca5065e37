/**
 * What the precomputed counter and histogram families share: children by
 * label values, created once and kept, and the prom-client metric interface
 * (`get`, `reset`) that lets a Registry render them with its other metrics.
 */
import type { Registry } from 'prom-client';
import type { PromValue } from './counter-family.js';

export interface FamilyOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
}

export abstract class MetricFamily<C> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** prom-client's cluster aggregation reads it; one process sums nothing. */
  readonly aggregator = 'sum';
  readonly #children = new Map<string, { labels: Record<string, string>; child: C }>();

  protected constructor(
    readonly type: 'counter' | 'histogram',
    options: FamilyOptions & { registry: Registry },
  ) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    options.registry.registerMetric(this as never);
  }

  /** The child of these label values (in `labelNames` order), the same object every time: keep it. */
  child(...values: string[]): C {
    if (values.length !== this.labelNames.length) {
      throw new RangeError(`${this.name}: expected ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`);
    }
    const key = values.join('\u0000');
    let entry = this.#children.get(key);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] as string));
      entry = { labels, child: this.create() };
      this.#children.set(key, entry);
    }
    return entry.child;
  }

  /** Forgets the children whose labels match all of `labels` (a retired revision's series). */
  remove(labels: Record<string, string>): void {
    for (const [key, entry] of this.#children) {
      if (Object.entries(labels).every(([k, v]) => entry.labels[k] === v)) this.#children.delete(key);
    }
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: PromValue[] }> {
    const values: PromValue[] = [];
    for (const { labels, child } of this.#children.values()) values.push(...this.render(labels, child));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** prom-client's `registry.resetMetrics()`: children stay (callers hold them), their values go back to zero. */
  reset(): void {
    for (const entry of this.#children.values()) this.zero(entry.child);
  }

  protected abstract create(): C;
  protected abstract zero(child: C): void;
  protected abstract render(labels: Record<string, string>, child: C): PromValue[];
}

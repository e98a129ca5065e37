/**
 * The primary's Prometheus registry when gateway workers run: a scrape
 * returns its own metrics added up with each live worker's (prom-client's
 * AggregatorRegistry.aggregate: counters and histograms summed per label
 * set), so that a request is counted once, by the worker that served it,
 * in one exposition — what a single-process gateway would show.
 */
import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export class ClusterMetricsRegistry extends Registry {
  #peers: (() => Promise<MetricsJson[]>) | undefined;

  /** Where the workers' metrics come from at scrape time; none until set. */
  addPeers(peers: () => Promise<MetricsJson[]>): void {
    this.#peers = peers;
  }

  override async metrics(): Promise<string> {
    if (this.#peers === undefined) return super.metrics();
    const [own, peers] = await Promise.all([this.getMetricsAsJSON(), this.#peers()]);
    return AggregatorRegistry.aggregate([own, ...peers]).metrics();
  }
}

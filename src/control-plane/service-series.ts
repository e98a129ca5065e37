/**
 * The history behind the console's live charts: every 5 s, per service, the
 * requests per second, 5xx per second, latency p50 / p99 (from the gateway's
 * request-duration histogram, as Prometheus's histogram_quantile reads it)
 * and ready instances, kept for the last 15 minutes in a ring; and the same
 * figures over the last minute as a whole, for the overview. Read from the
 * metrics registry the gateway counts into, off the request path.
 */
import type { Registry } from 'prom-client';

export const SAMPLE_INTERVAL_MS = 5_000;
export const SAMPLES_KEPT = 180;
const REQUESTS = 'mlaas_gateway_requests_total';
const DURATION = 'mlaas_gateway_request_duration_seconds';

/** One service's samples, oldest first; `null` where a window had no request to measure. */
export interface ServiceSamples {
  /** Unix ms at the end of each window. */
  t: number[];
  rps: number[];
  errorsPerSecond: number[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
  instances: number[];
}

/** A service's figures over the last minute (or since the first sample, if younger). */
export interface ServiceSummary {
  rps: number;
  errorsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

const SUMMARY_SAMPLES = 60_000 / SAMPLE_INTERVAL_MS;
const EMPTY: Totals = { requests: 0, errors: 0, buckets: new Map() };

interface Totals {
  requests: number;
  errors: number;
  /** Cumulative counts by upper bound (seconds), ascending, +Inf last. */
  buckets: Map<number, number>;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export interface ServiceSeriesOptions {
  registry: Registry;
  /** Ready instances of each service now. */
  readyInstances: () => ReadonlyMap<string, number>;
  now?: () => number;
}

export class ServiceSeries {
  readonly #options: ServiceSeriesOptions;
  readonly #now: () => number;
  readonly #series = new Map<string, ServiceSamples>();
  /** The registry's totals at each of the last minute's samples, oldest first. */
  #history: { at: number; totals: Map<string, Totals> }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ServiceSeriesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Reads the starting totals (resolved once read), then samples every interval. */
  start(): Promise<void> {
    this.#timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS);
    this.#timer.unref();
    return this.sample();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Adds one sample per service: what happened since the previous reading (the first reading only sets the start). */
  async sample(): Promise<void> {
    const at = this.#now();
    const previous = this.#history.at(-1);
    const totals = await this.#read();
    this.#history.push({ at, totals });
    if (this.#history.length > SUMMARY_SAMPLES + 1) this.#history.shift();
    if (previous === undefined) return;
    const ready = this.#options.readyInstances();
    for (const service of new Set([...totals.keys(), ...ready.keys()])) {
      const window = figures(previous.totals.get(service) ?? EMPTY, totals.get(service) ?? EMPTY, at - previous.at);
      let samples = this.#series.get(service);
      if (samples === undefined) {
        samples = { t: [], rps: [], errorsPerSecond: [], p50Ms: [], p99Ms: [], instances: [] };
        this.#series.set(service, samples);
      }
      samples.t.push(at);
      samples.rps.push(window.rps);
      samples.errorsPerSecond.push(window.errorsPerSecond);
      samples.p50Ms.push(window.p50Ms);
      samples.p99Ms.push(window.p99Ms);
      samples.instances.push(ready.get(service) ?? 0);
      if (samples.t.length > SAMPLES_KEPT) for (const list of Object.values(samples) as unknown[][]) list.shift();
    }
  }

  /** Every service's samples and last-minute figures, and the interval between samples. */
  snapshot(): { intervalMs: number; services: Record<string, ServiceSamples>; lastMinute: Record<string, ServiceSummary> } {
    const lastMinute: Record<string, ServiceSummary> = {};
    const first = this.#history[0];
    const last = this.#history.at(-1);
    if (first !== undefined && last !== undefined && last !== first) {
      for (const [service, totals] of last.totals) lastMinute[service] = figures(first.totals.get(service) ?? EMPTY, totals, last.at - first.at);
    }
    return { intervalMs: SAMPLE_INTERVAL_MS, services: Object.fromEntries(this.#series), lastMinute };
  }

  async #read(): Promise<Map<string, Totals>> {
    const totals = new Map<string, Totals>();
    const of = (service: string): Totals => {
      let t = totals.get(service);
      if (t === undefined) totals.set(service, (t = { requests: 0, errors: 0, buckets: new Map() }));
      return t;
    };
    for (const v of await this.#values(REQUESTS)) {
      const service = String(v.labels['service'] ?? '');
      if (service === '') continue;
      of(service).requests += v.value;
      if (v.labels['status_class'] === '5xx') of(service).errors += v.value;
    }
    for (const v of await this.#values(DURATION)) {
      const service = String(v.labels['service'] ?? '');
      if (service === '' || v.metricName !== `${DURATION}_bucket`) continue;
      const le = v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']);
      const buckets = of(service).buckets;
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    }
    for (const t of totals.values()) t.buckets = new Map([...t.buckets].sort(([a], [b]) => a - b));
    return totals;
  }

  async #values(name: string): Promise<MetricValue[]> {
    const metric = this.#options.registry.getSingleMetric(name);
    if (metric === undefined) return [];
    return ((await metric.get()) as { values: MetricValue[] }).values;
  }
}

/** What happened between two readings of the totals `ms` apart. A counter that went back (a retired revision's series) counts as 0. */
function figures(before: Totals, now: Totals, ms: number): ServiceSummary {
  const seconds = Math.max(ms / 1000, 0.001);
  const deltas = [...now.buckets].map(([le, count]): [number, number] => [le, Math.max(0, count - (before.buckets.get(le) ?? 0))]);
  return {
    rps: round(Math.max(0, now.requests - before.requests) / seconds),
    errorsPerSecond: round(Math.max(0, now.errors - before.errors) / seconds),
    p50Ms: quantileMs(0.5, deltas),
    p99Ms: quantileMs(0.99, deltas),
  };
}

/**
 * Prometheus's histogram_quantile over one window's bucket counts (cumulative,
 * ascending bounds): linear within the bucket the rank falls in; the highest
 * finite bound when it falls in +Inf; null with no observation.
 */
export function quantileMs(q: number, buckets: readonly (readonly [number, number])[]): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return round(lower * 1000);
      const inBucket = count - below;
      const fraction = inBucket === 0 ? 1 : (rank - below) / inBucket;
      return round((lower + (le - lower) * fraction) * 1000);
    }
    lower = le;
    below = count;
  }
  return round(lower * 1000);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

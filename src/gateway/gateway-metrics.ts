/**
 * The gateway's Prometheus metrics. Requests are counted by service,
 * revision, route (operationId, else `METHOD /path/template`: bounded by the
 * gateway document) and status class, with histograms of the whole call and
 * of the gateway's own share of it (the call less the backend's time and the
 * wait for an instance). Each route keeps its series per revision (and
 * tenant, when `tenantLabels` bounds them), made the first time a revision
 * is seen and kept: the per-request path adds to numbers it already holds.
 */
import { Gauge, type Registry } from 'prom-client';
import { CounterFamily, type CounterChild } from '../metrics/counter-family.js';
import { HistogramFamily, type HistogramChild } from '../metrics/histogram-family.js';
import type { GateStatus } from './activator.js';

export interface GatewayMetricsOptions {
  registry: Registry;
  /** Tenants that get their own `tenant` label value, first come; 0 (default): no tenant label at all. */
  tenantLabels?: number;
}

/** The series one request lands in. */
export interface RequestSeries {
  /** Index: the status's first digit − 1 (1xx … 5xx). */
  readonly byClass: readonly CounterChild[];
  readonly duration: HistogramChild;
  readonly overhead: HistogramChild;
}

/** The tenant label of tenants past the `tenantLabels` bound, and of requests without a tenant. */
export const OTHER_TENANT = '(other)';
export const NO_TENANT = '(none)';
/** The route label of requests no operation matched. */
export const UNMATCHED_ROUTE = '(unmatched)';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export class GatewayMetrics {
  readonly tenantLabels: number;
  readonly #requests: CounterFamily;
  readonly #duration: HistogramFamily;
  readonly #overhead: HistogramFamily;
  readonly #quota: CounterFamily;
  readonly #wait: HistogramFamily;
  readonly #waitByRevision = new Map<string, HistogramChild>();
  readonly #quotaByLimit = new Map<string, CounterChild>();
  readonly #tenants = new Set<string>();
  /** Requests the gateway is handling now, from arrival to the last byte of the answer. */
  inFlight = 0;

  constructor(options: GatewayMetricsOptions, activator: { status(): GateStatus[] }, quotas: { readonly degraded: boolean }) {
    const registry = options.registry;
    this.tenantLabels = options.tenantLabels ?? 0;
    const labelNames = ['service', 'revision', 'route', ...(this.tenantLabels > 0 ? ['tenant'] : [])];
    this.#requests = new CounterFamily({
      registry,
      name: 'mlaas_gateway_requests_total',
      help: 'Requests answered by the gateway, by service, revision, route and status class.',
      labelNames: [...labelNames, 'status_class'],
    });
    this.#duration = new HistogramFamily({
      registry,
      name: 'mlaas_gateway_request_duration_seconds',
      help: 'Whole calls through the gateway, from arrival to the last byte of the answer.',
      labelNames,
    });
    this.#overhead = new HistogramFamily({
      registry,
      name: 'mlaas_gateway_overhead_seconds',
      help: "The gateway's own share of each call: the whole call less the backend's time and the wait for an instance.",
      labelNames,
    });
    this.#quota = new CounterFamily({
      registry,
      name: 'mlaas_gateway_quota_rejections_total',
      help: 'Requests refused with 429 by a quota, by scope (key, tenant, document) and limit.',
      labelNames: ['scope', 'limit'],
    });
    this.#wait = new HistogramFamily({
      registry,
      name: 'mlaas_activator_wait_seconds',
      help: 'How long requests that found no instance with room waited for one, by revision.',
      labelNames: ['revision'],
    });
    const inFlight = (): number => this.inFlight;
    new Gauge({
      name: 'mlaas_gateway_requests_in_flight',
      help: 'Requests the gateway is handling now.',
      registers: [registry],
      collect() {
        this.set(inFlight());
      },
    });
    new Gauge({
      name: 'mlaas_gateway_quota_degraded',
      help: 'Whether quotas meant to be shared through Redis (quotas.redis) are not now, Redis being unreachable: 1 while this gateway counts them alone (failOpen) or refuses with 503; else 0.',
      registers: [registry],
      collect() {
        this.set(quotas.degraded ? 1 : 0);
      },
    });
    const byRevision = (name: string, help: string, read: (g: GateStatus) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['revision'],
        registers: [registry],
        collect() {
          this.reset();
          for (const gate of activator.status()) this.set({ revision: gate.revision }, read(gate));
        },
      });
    };
    byRevision('mlaas_activator_queue_length', 'Requests waiting for an instance with room, by revision.', (g) => g.queued);
    byRevision('mlaas_revision_requests_in_flight', "Requests at a revision's instances now, by revision.", (g) => g.inFlight);
  }

  /** The series of one route of the gateway document; made at config load. */
  route(service: string, route: string): RouteMetrics {
    return new RouteMetrics(this, service, route);
  }

  /** Series made by `RouteMetrics`; the tenant value already bounded. */
  seriesOf(service: string, revision: string, route: string, tenant: string | undefined): RequestSeries {
    const labels = tenant === undefined ? [service, revision, route] : [service, revision, route, tenant];
    return {
      byClass: CLASSES.map((c) => this.#requests.child(...labels, c)),
      duration: this.#duration.child(...labels),
      overhead: this.#overhead.child(...labels),
    };
  }

  /** The label value of a tenant: its id while fewer than `tenantLabels` have one, else OTHER_TENANT. */
  tenantValue(tenant: string | undefined): string {
    if (tenant === undefined) return NO_TENANT;
    if (this.#tenants.has(tenant)) return tenant;
    if (this.#tenants.size >= this.tenantLabels) return OTHER_TENANT;
    this.#tenants.add(tenant);
    return tenant;
  }

  quotaRejected(scope: string, limit: string): void {
    const key = `${scope}\n${limit}`;
    let child = this.#quotaByLimit.get(key);
    if (child === undefined) {
      child = this.#quota.child(scope, limit);
      this.#quotaByLimit.set(key, child);
    }
    child.value++;
  }

  activatorWait(revision: string, seconds: number): void {
    let child = this.#waitByRevision.get(revision);
    if (child === undefined) {
      child = this.#wait.child(revision);
      this.#waitByRevision.set(revision, child);
    }
    child.observe(seconds);
  }

  /** Drops a retired revision's series: its name never comes back. */
  forgetRevision(revision: string): void {
    this.#waitByRevision.delete(revision);
    for (const family of [this.#requests, this.#duration, this.#overhead, this.#wait]) family.remove({ revision });
  }
}

/** One route's series, by revision (and bounded tenant). */
export class RouteMetrics {
  readonly #byRevision = new Map<string, RequestSeries>();
  readonly #byTenant = new Map<string, Map<string, RequestSeries>>();

  constructor(
    private readonly metrics: GatewayMetrics,
    readonly service: string,
    readonly route: string,
  ) {}

  series(revision: string, tenant: string | undefined): RequestSeries {
    if (this.metrics.tenantLabels === 0) {
      let series = this.#byRevision.get(revision);
      if (series === undefined) {
        series = this.metrics.seriesOf(this.service, revision, this.route, undefined);
        this.#byRevision.set(revision, series);
      }
      return series;
    }
    let byTenant = this.#byTenant.get(revision);
    if (byTenant === undefined) {
      byTenant = new Map();
      this.#byTenant.set(revision, byTenant);
    }
    const key = tenant ?? NO_TENANT;
    let series = byTenant.get(key);
    if (series === undefined) {
      series = this.metrics.seriesOf(this.service, revision, this.route, this.metrics.tenantValue(tenant));
      byTenant.set(key, series);
    }
    return series;
  }

  /** Counts one answered request; `status` 499 stands for a caller that left before any answer. */
  record(revision: string, tenant: string | undefined, status: number, seconds: number, overheadSeconds: number): void {
    const series = this.series(revision, tenant);
    const child = series.byClass[Math.min(4, Math.max(0, ((status / 100) | 0) - 1))] as CounterChild;
    child.value++;
    series.duration.observe(seconds);
    series.overhead.observe(overheadSeconds);
  }
}

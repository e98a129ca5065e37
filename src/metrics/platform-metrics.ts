/**
 * The platform's metrics beside the gateway's: instances per revision and
 * state, the autoscaler's desired / ready / panic per revision, cold starts,
 * shadow comparisons, model copies and digest failures, and the process's
 * own (prom-client's default metrics). Gauges and the shadow counters are read
 * from the parts' status at scrape time; events are counted as they happen,
 * none of them on the request path.
 */
import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import type { ScaleStatus } from '../autoscaler/autoscaler-loop.js';
import type { ShadowStats } from '../gateway/shadow-mirror.js';
import type { KeyStatus } from '../runtime/supervisor.js';
import { CounterFamily } from './counter-family.js';
import { HistogramFamily } from './histogram-family.js';

export interface PlatformSources {
  instances(): readonly KeyStatus[];
  autoscaler(): readonly ScaleStatus[];
  shadow(): readonly ShadowStats[];
}

/** Seconds: a cold start or a model copy is a matter of seconds to minutes. */
const SLOW_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const INSTANCE_STATES = ['starting', 'ready', 'draining', 'crashed'] as const;

export class PlatformMetrics {
  readonly #coldStarts: HistogramFamily;
  readonly #modelCopies: HistogramFamily;
  readonly #digestFailures: CounterFamily;

  constructor(registry: Registry, sources: PlatformSources) {
    collectDefaultMetrics({ register: registry });
    const serviceOf = (): Map<string, string> => new Map(sources.instances().map((k) => [k.key, k.service]));
    new Gauge({
      name: 'mlaas_revision_instances',
      help: 'Instances of each revision by state (starting, ready, draining, crashed).',
      labelNames: ['service', 'revision', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const k of sources.instances()) {
          const labels = { service: k.service, revision: k.revision ?? k.key };
          for (const state of INSTANCE_STATES) this.set({ ...labels, state }, k.instances.filter((i) => i.state === state).length);
        }
      },
    });
    const scaling = (name: string, help: string, read: (s: ScaleStatus) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['service', 'revision'],
        registers: [registry],
        collect() {
          this.reset();
          const services = serviceOf();
          for (const s of sources.autoscaler()) this.set({ service: services.get(s.key) ?? '', revision: s.key }, read(s));
        },
      });
    };
    scaling('mlaas_autoscaler_desired_instances', 'Instances the autoscaler wants for each revision.', (s) => s.desired);
    scaling('mlaas_autoscaler_ready_instances', 'Ready instances the autoscaler saw at its last decision.', (s) => s.ready);
    scaling('mlaas_autoscaler_panic', '1 while the revision is in panic mode (a burst over the panic threshold), else 0.', (s) => (s.panic ? 1 : 0));
    new Counter({
      name: 'mlaas_shadow_requests_total',
      help: 'Shadow copies by service, shadow revision and outcome (same, different, failed, dropped), since the mirror was set.',
      labelNames: ['service', 'revision', 'outcome'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of sources.shadow()) {
          const labels = { service: s.service, revision: s.revision };
          for (const outcome of ['same', 'different', 'failed', 'dropped'] as const) this.inc({ ...labels, outcome }, s[outcome]);
        }
      },
    });
    this.#coldStarts = new HistogramFamily({
      registry,
      name: 'mlaas_cold_start_duration_seconds',
      help: 'Cold starts by revision, from the first request held at zero instances to the first ready instance; its _count counts them.',
      labelNames: ['revision'],
      buckets: SLOW_BUCKETS,
    });
    this.#modelCopies = new HistogramFamily({
      registry,
      name: 'mlaas_model_load_duration_seconds',
      help: 'Model versions copied from the model store into the local cache and verified, by model.',
      labelNames: ['model'],
      buckets: SLOW_BUCKETS,
    });
    this.#digestFailures = new CounterFamily({
      registry,
      name: 'mlaas_model_digest_failures_total',
      help: 'Model copies refused because their bytes did not match the digest pushed, by model.',
      labelNames: ['model'],
    });
  }

  coldStart(revision: string, ms: number): void {
    this.#coldStarts.child(revision).observe(ms / 1000);
  }

  modelLoaded(model: string, ms: number): void {
    this.#modelCopies.child(model).observe(ms / 1000);
  }

  digestFailed(model: string): void {
    this.#digestFailures.child(model).value++;
  }
}

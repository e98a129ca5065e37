/**
 * Shadow traffic: a copy of a share of a service's requests goes to the
 * revision its policy's mirror tag names, after the caller has its answer,
 * so the copy never delays it. The copy's answer is read, compared with the
 * primary's (status and a SHA-256 of the body) and thrown away. At most
 * `maxInFlight` copies run at once; past that a copy is dropped, not queued,
 * so a slow shadow revision cannot build up load on the gateway.
 *
 * Copies carry `x-mlaas-shadow: 1` so a service can skip side effects, and go
 * over their own connection pools: they do not count toward the primary
 * revisions' concurrency, and a shadow revision with no ready instance
 * counts the copy as failed rather than waking it.
 */
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import { Agent } from 'undici';
import type { ServiceRouting } from './traffic-router.js';
import type { ReadyInstance } from './upstream-pools.js';

export interface ShadowStats {
  service: string;
  tag: string;
  revision: string;
  percent: number;
  /** Requests to the service since this mirror was set. */
  requests: number;
  /** Copies sent. */
  mirrored: number;
  /** Copies whose status and body equal the primary's. */
  same: number;
  different: number;
  /** Copies that got no answer (error, timeout, no ready instance). */
  failed: number;
  /** Copies not sent because too many were in flight. */
  dropped: number;
  primaryP50Ms: number | undefined;
  mirrorP50Ms: number | undefined;
}

export interface ShadowMirrorOptions {
  ready: (revision: string) => readonly ReadyInstance[];
  random: () => number;
  now: () => number;
  maxInFlight?: number;
}

export interface ShadowCall {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
  deadlineMs: number;
}

export const SHADOW_HEADER = 'x-mlaas-shadow';
const DEFAULT_MAX_IN_FLIGHT = 32;
const LATENCY_SAMPLES = 256;

interface Answer {
  status: number;
  digest: string;
}

class ServiceShadow {
  readonly stats: ShadowStats;
  private readonly primary = new Float64Array(LATENCY_SAMPLES);
  private readonly mirror = new Float64Array(LATENCY_SAMPLES);
  private primaryCount = 0;
  private mirrorCount = 0;

  constructor(service: string, mirror: NonNullable<ServiceRouting['mirror']>) {
    this.stats = {
      service,
      tag: mirror.tag,
      revision: mirror.revision,
      percent: mirror.fraction * 100,
      requests: 0,
      mirrored: 0,
      same: 0,
      different: 0,
      failed: 0,
      dropped: 0,
      primaryP50Ms: undefined,
      mirrorP50Ms: undefined,
    };
  }

  samePolicy(mirror: NonNullable<ServiceRouting['mirror']>): boolean {
    return this.stats.revision === mirror.revision && this.stats.percent === mirror.fraction * 100;
  }

  addPrimary(ms: number): void {
    this.primary[this.primaryCount++ % LATENCY_SAMPLES] = ms;
  }

  addMirror(ms: number): void {
    this.mirror[this.mirrorCount++ % LATENCY_SAMPLES] = ms;
  }

  snapshot(): ShadowStats {
    return { ...this.stats, primaryP50Ms: median(this.primary, this.primaryCount), mirrorP50Ms: median(this.mirror, this.mirrorCount) };
  }
}

/** One mirrored request: watches the primary's answer, then sends the copy. */
export class ShadowCopy {
  private primary: Promise<Answer | undefined> | undefined;

  constructor(
    private readonly owner: ShadowMirror,
    private readonly shadow: ServiceShadow,
    private readonly startedAt: number,
  ) {}

  /**
   * Taps the primary's answer on its way to the caller (`sink`): the returned
   * writable hashes each chunk and passes it on, adding nothing to the
   * caller's path but a hash update per chunk.
   */
  tap(status: number, sink: Writable): Writable {
    const hash = createHash('sha256');
    let settle: (answer: Answer | undefined) => void = () => undefined;
    this.primary = new Promise((resolve) => (settle = resolve));
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        hash.update(chunk);
        if (sink.write(chunk)) done();
        else sink.once('drain', () => done());
      },
      final: (done) => {
        sink.end();
        this.shadow.addPrimary(this.owner.now() - this.startedAt);
        settle({ status, digest: hash.digest('hex') });
        done();
      },
      destroy: (err, done) => {
        settle(undefined);
        if (err !== null) sink.destroy(err);
        done(err);
      },
    });
  }

  /** Sends the copy without waiting for it; call once the caller has its answer. */
  send(call: ShadowCall): void {
    const primary = this.primary;
    if (primary === undefined) return;
    void this.owner.dispatch(this.shadow, call).then(async (copy) => {
      if (copy === 'dropped') return;
      const first = await primary;
      if (first === undefined) return;
      if (copy === 'failed') this.shadow.stats.failed++;
      else if (copy.status === first.status && copy.digest === first.digest) this.shadow.stats.same++;
      else this.shadow.stats.different++;
    });
  }
}

export class ShadowMirror {
  private readonly shadows = new Map<string, ServiceShadow>();
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  private readonly maxInFlight: number;
  private inFlight = 0;
  private nextInstance = 0;
  readonly now: () => number;

  constructor(private readonly options: ShadowMirrorOptions) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.now = options.now;
  }

  /**
   * For a request routed to `primaryRevision`: a copy to watch and send when
   * the policy mirrors this request, else undefined. One random draw per
   * request of a mirrored service; nothing for other services.
   */
  consider(routing: ServiceRouting, primaryRevision: string): ShadowCopy | undefined {
    const mirror = routing.mirror;
    if (mirror === undefined) return undefined;
    let shadow = this.shadows.get(routing.service);
    if (shadow === undefined || !shadow.samePolicy(mirror)) {
      shadow = new ServiceShadow(routing.service, mirror);
      this.shadows.set(routing.service, shadow);
    }
    shadow.stats.requests++;
    // Mirroring a revision to itself compares nothing.
    if (mirror.revision === primaryRevision || this.options.random() >= mirror.fraction) return undefined;
    return new ShadowCopy(this, shadow, this.now());
  }

  /** What mirroring did, per service whose policy mirrors (or did since the start). */
  stats(): ShadowStats[] {
    return [...this.shadows.values()].map((s) => s.snapshot());
  }

  /** Sends a copy and reads its answer. Never rejects. */
  async dispatch(shadow: ServiceShadow, call: ShadowCall): Promise<Answer | 'failed' | 'dropped'> {
    if (this.inFlight >= this.maxInFlight) {
      shadow.stats.dropped++;
      return 'dropped';
    }
    const ready = this.options.ready(shadow.stats.revision);
    shadow.stats.mirrored++;
    if (ready.length === 0) return 'failed';
    const instance = ready[this.nextInstance++ % ready.length] as ReadyInstance;
    this.inFlight++;
    const startedAt = this.now();
    try {
      const answer = await this.agent.request({
        origin: `http://${instance.host}:${instance.port}`,
        method: call.method as 'GET',
        path: call.path,
        headers: { ...call.headers, 'x-mlaas-revision': shadow.stats.revision, [SHADOW_HEADER]: '1' },
        body: call.body.length === 0 && (call.method === 'GET' || call.method === 'HEAD') ? null : call.body,
        signal: AbortSignal.timeout(call.deadlineMs),
      });
      const hash: Hash = createHash('sha256');
      for await (const chunk of answer.body) hash.update(chunk as Buffer);
      shadow.addMirror(this.now() - startedAt);
      return { status: answer.statusCode, digest: hash.digest('hex') };
    } catch {
      return 'failed';
    } finally {
      this.inFlight--;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function median(samples: Float64Array, count: number): number | undefined {
  const n = Math.min(count, samples.length);
  if (n === 0) return undefined;
  const sorted = Array.from(samples.subarray(0, n)).sort((a, b) => a - b);
  return Math.round((sorted[Math.floor((n - 1) / 2)] as number) * 10) / 10;
}

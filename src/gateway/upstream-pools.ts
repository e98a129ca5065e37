/**
 * Keep-alive connection pools to upstreams — one per instance, one per
 * outside origin and protocol — and the in-flight count of each, which the
 * instance picker (least in-flight) and later the autoscaler read. An
 * outside origin the document marks `protocol: h2` is spoken to in HTTP/2:
 * over TLS by ALPN, in cleartext with prior knowledge (h2c), as Envoy does
 * for ESPv2's `protocol: h2`.
 */
import { H2CClient, Pool } from 'undici';

export interface ReadyInstance {
  id: string;
  host: string;
  port: number;
}

export interface Upstream {
  id: string;
  origin: string;
  pool: Pool;
  inFlight: number;
}

const POOL_OPTIONS = { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 } as const;
/**
 * HTTP/2 multiplexes: a few connections carry many streams each (undici
 * dispatches up to `pipelining` requests per HTTP/2 client).
 */
const H2_POOL_OPTIONS = { connections: 4, pipelining: 100, keepAliveTimeout: 30_000 } as const;

/** An instance's upstream, with the address its pool connects to: compared per pick, no origin string built. */
interface InstanceUpstream extends Upstream {
  host: string;
  port: number;
}

export class UpstreamPools {
  readonly #byInstance = new Map<string, InstanceUpstream>();
  readonly #byOrigin = new Map<string, Upstream>();
  #turn = 0;

  /** The ready instance with the fewest requests in flight, other than those in `except`; ties go round-robin. */
  pick(ready: readonly ReadyInstance[], except?: readonly Upstream[]): Upstream | undefined {
    const n = ready.length;
    if (n === 0) return undefined;
    let best: Upstream | undefined;
    const start = this.#turn++ % n;
    for (let i = 0; i < n; i++) {
      const inst = ready[(start + i) % n] as ReadyInstance;
      const up = this.#forInstance(inst);
      if (except !== undefined && except.includes(up)) continue;
      if (best === undefined || up.inFlight < best.inFlight) best = up;
      if (best.inFlight === 0) break;
    }
    return best;
  }

  forOrigin(origin: string, h2 = false): Upstream {
    const key = h2 ? `h2 ${origin}` : origin;
    let up = this.#byOrigin.get(key);
    if (up === undefined) {
      const pool = !h2
        ? new Pool(origin, POOL_OPTIONS)
        : origin.startsWith('https:')
          ? new Pool(origin, { ...H2_POOL_OPTIONS, allowH2: true })
          : // The pool's own connector would speak HTTP/1.1 in cleartext: each H2CClient builds its h2c one.
            new Pool(origin, { ...H2_POOL_OPTIONS, factory: (o, opts) => new H2CClient(o, { ...opts, connect: undefined }) });
      up = { id: origin, origin, pool, inFlight: 0 };
      this.#byOrigin.set(key, up);
    }
    return up;
  }

  /** In-flight requests per instance id, for status and scaling. */
  inFlight(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, up] of this.#byInstance) out[id] = up.inFlight;
    return out;
  }

  /** Closes the pools of instances that are no longer ready; their in-flight requests finish first. */
  retain(liveIds: ReadonlySet<string>): void {
    for (const [id, up] of this.#byInstance) {
      if (liveIds.has(id)) continue;
      this.#byInstance.delete(id);
      void up.pool.close().catch(() => undefined);
    }
  }

  /** Waits until these instances have nothing in flight (at most `timeoutMs`), then closes their pools. */
  async drain(ids: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const ups = ids.map((id) => this.#byInstance.get(id)).filter((u): u is InstanceUpstream => u !== undefined);
    while (ups.some((u) => u.inFlight > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const up of ups) {
      this.#byInstance.delete(up.id);
      void up.pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const all = [...this.#byInstance.values(), ...this.#byOrigin.values()];
    this.#byInstance.clear();
    this.#byOrigin.clear();
    await Promise.all(all.map((u) => u.pool.destroy().catch(() => undefined)));
  }

  #forInstance(inst: ReadyInstance): Upstream {
    let up = this.#byInstance.get(inst.id);
    // An instance keeps its id across restarts, but each process listens on a new port.
    if (up === undefined || up.port !== inst.port || up.host !== inst.host) {
      if (up !== undefined) void up.pool.close().catch(() => undefined);
      const origin = `http://${inst.host}:${inst.port}`;
      up = { id: inst.id, origin, host: inst.host, port: inst.port, pool: new Pool(origin, POOL_OPTIONS), inFlight: 0 };
      this.#byInstance.set(inst.id, up);
    }
    return up;
  }
}

/**
 * Brings a running HAProxy to a desired state through its runtime API, by
 * difference with what it last applied: map entries set, added and deleted
 * in one batch; each revision with ready instances given a free slot
 * backend, its instances added there as dynamic servers (maxconn = its
 * containerConcurrency) before the revision's `backends` entry points at the
 * slot; a revision that leaves (at zero, retired) loses that entry first, so
 * its next request goes to the TypeScript gateway's activator, and then its
 * servers, each once its requests have finished.
 *
 * Every intermediate state is safe: a request that finds a map entry
 * missing is served by the TypeScript gateway, which decides alike. Deletions
 * that narrow what HAProxy admits (a revoked key) go first in the batch.
 */
import type { Logger } from 'pino';
import type { InstanceEndpoint } from '../api/data-plane.js';
import { slotBackend } from './haproxy-config.js';
import type { DesiredHaproxyState } from './haproxy-desired-state.js';
import { checkMapEntry, escapeCliWord, replaceMap } from './haproxy-maps.js';
import type { HaproxyRuntimeApi } from './haproxy-runtime-api.js';
import { addServer, deleteServer } from './haproxy-servers.js';
import { MAP_FILES, MAP_NAMES, emptyMaps, type MapContents, type MapName } from './native-maps.js';

export interface HaproxyProgrammerOptions {
  api: HaproxyRuntimeApi;
  mapDir: string;
  /** Each slot backend's queue timeout, as the config has them (slotQueueTimeouts). */
  slotQueueMs: readonly number[];
  logger: Logger;
}

interface Server {
  name: string;
  instance: InstanceEndpoint;
}

interface Slot {
  index: number;
  revision: string;
  servers: Map<string, Server>;
  /** Servers leaving: deleted once their requests finished. */
  leaving: Map<string, Promise<void>>;
}

/** Above this many changes a map is replaced whole (one atomic swap) instead of entry by entry. */
const REPLACE_ABOVE = 64;
/** How long a server that left without a drain (its instance died or was stopped elsewhere) may keep its requests. */
const UNDRAINED_WAIT_MS = 10_000;
/** How long a server in maintenance may keep connections (its requests, then idle ones) before its deletion is given up. */
const DELETE_WAIT_MS = 30_000;

/** The maps the programmer owns; `routes` comes with the config. */
const LIVE_MAPS = MAP_NAMES.filter((n) => n !== 'routes');
/** Deleted before anything is set: these narrow what HAProxy serves itself. */
const NARROWING: readonly MapName[] = ['keys', 'scopes', 'backends', 'pins', 'split'];

export class HaproxyProgrammer {
  readonly #o: HaproxyProgrammerOptions;
  #applied: MapContents = emptyMaps();
  readonly #slots = new Map<string, Slot>();
  readonly #free: number[];
  /** apply() and drain()'s map change run one at a time, each on the state the one before left. */
  #serial: Promise<unknown> = Promise.resolve();

  constructor(options: HaproxyProgrammerOptions) {
    this.#o = options;
    this.#free = options.slotQueueMs.map((_, i) => i);
  }

  /** The revision in slot backend `backend`, if one holds it. */
  revisionOf(backend: string): string | undefined {
    for (const slot of this.#slots.values()) if (slotBackend(slot.index) === backend) return slot.revision;
    return undefined;
  }

  /**
   * `queueMsOf` says how long a request of the revision may wait for one of its busy instances (the
   * slot it needs), or undefined when HAProxy is not to serve the revision at all.
   */
  apply(desired: DesiredHaproxyState, tokens: ReadonlyMap<string, string>, queueMsOf: (revision: string) => number | undefined): Promise<void> {
    return this.#inTurn(() => this.#apply(desired, tokens, queueMsOf));
  }

  #inTurn<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(step);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  async #apply(desired: DesiredHaproxyState, tokens: ReadonlyMap<string, string>, queueMsOf: (revision: string) => number | undefined): Promise<void> {
    const maps = { ...desired.maps, tokens: new Map(tokens), backends: new Map<string, string>() };
    // Servers of revisions that stay or arrive, before any entry points at them.
    const served = new Set<string>();
    for (const [revision, servers] of desired.revisions) {
      const queueMs = queueMsOf(revision);
      if (queueMs === undefined) continue;
      served.add(revision);
      const slot = this.#slotFor(revision, queueMs);
      if (slot === undefined) continue;
      const wanted = new Set(servers.instances.map((i) => i.id));
      for (const instance of servers.instances) {
        if (slot.servers.has(instance.id) || slot.leaving.has(instance.id)) continue;
        const name = serverName(instance.id);
        await addServer(this.#o.api, slotBackend(slot.index), name, instance.host, instance.port, servers.concurrency > 0 ? { maxconn: servers.concurrency } : {});
        slot.servers.set(instance.id, { name, instance });
      }
      for (const id of [...slot.servers.keys()]) if (!wanted.has(id)) this.#leave(slot, id, UNDRAINED_WAIT_MS);
      if (slot.servers.size > 0) maps.backends.set(revision, slotBackend(slot.index));
    }
    await this.#applyMaps(maps);
    // After the entries that pointed at them are gone.
    for (const slot of [...this.#slots.values()]) {
      if (served.has(slot.revision)) continue;
      for (const id of [...slot.servers.keys()]) this.#leave(slot, id, UNDRAINED_WAIT_MS);
    }
  }

  /**
   * Before these instances stop: HAProxy sends them no new request, and this
   * resolves once the requests they have finished (or `timeoutMs` passed).
   * A revision left with no server loses its `backends` entry first.
   */
  async drain(ids: readonly string[], timeoutMs: number): Promise<void> {
    const waits = await this.#inTurn(async () => {
      const leaving: Array<Promise<void>> = [];
      for (const slot of this.#slots.values()) {
        // Already leaving (the store let it go before this drain): its requests are waited for all the same.
        for (const id of ids) {
          const pending = slot.leaving.get(id);
          if (pending !== undefined) leaving.push(pending);
        }
        const going = ids.filter((id) => slot.servers.has(id));
        if (going.length === 0) continue;
        if (going.length === slot.servers.size && this.#applied.backends.has(slot.revision)) {
          await this.#applyMaps({ ...this.#applied, backends: withoutKey(this.#applied.backends, slot.revision) });
        }
        for (const id of going) leaving.push(this.#leave(slot, id, timeoutMs));
      }
      return leaving;
    });
    await Promise.all(waits);
  }

  #slotFor(revision: string, queueMs: number): Slot | undefined {
    const known = this.#slots.get(revision);
    if (known !== undefined) return known;
    const at = this.#free.findIndex((i) => this.#o.slotQueueMs[i] === queueMs);
    if (at < 0) {
      this.#o.logger.warn({ revision, queueMs }, 'every HAProxy revision slot of this queue timeout is taken: the revision is served by the TypeScript gateway');
      return undefined;
    }
    const [index] = this.#free.splice(at, 1) as [number];
    const slot: Slot = { index, revision, servers: new Map(), leaving: new Map() };
    this.#slots.set(revision, slot);
    return slot;
  }

  /**
   * Takes the instance's server out: resolves once its requests finished; the server is deleted
   * after (its idle connections close first), and the slot is freed with its last server.
   */
  #leave(slot: Slot, id: string, waitMs: number): Promise<void> {
    const pending = slot.leaving.get(id);
    if (pending !== undefined) return pending;
    const server = slot.servers.get(id);
    if (server === undefined) return Promise.resolve();
    slot.servers.delete(id);
    let quiet: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => (quiet = resolve));
    void deleteServer(this.#o.api, slotBackend(slot.index), server.name, { waitMs: Math.max(waitMs, DELETE_WAIT_MS), onQuiet: quiet })
      .catch((err: unknown) => this.#o.logger.warn({ err, revision: slot.revision, instance: id }, 'could not delete an instance’s HAProxy server'))
      .finally(() => {
        quiet();
        slot.leaving.delete(id);
        if (slot.servers.size === 0 && slot.leaving.size === 0 && this.#slots.get(slot.revision) === slot && !this.#applied.backends.has(slot.revision)) {
          this.#slots.delete(slot.revision);
          this.#free.push(slot.index);
          this.#free.sort((a, b) => a - b);
        }
      });
    // A drain waits for the requests, at most `waitMs`, not for the idle connections.
    const done = Promise.race([drained, new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())]);
    slot.leaving.set(id, done);
    return done;
  }

  async #applyMaps(next: MapContents): Promise<void> {
    const first: string[] = [];
    const sets: string[] = [];
    const last: string[] = [];
    const replaced: MapName[] = [];
    for (const name of LIVE_MAPS) {
      const before = this.#applied[name];
      const after = next[name];
      const changes = diff(before, after);
      if (changes.length > REPLACE_ABOVE) {
        replaced.push(name);
        continue;
      }
      const file = escapeCliWord(this.#file(name));
      for (const [key, value] of changes) {
        if (value === undefined) {
          checkMapEntry(name, key);
          (NARROWING.includes(name) ? first : last).push(`del map ${file} ${escapeCliWord(key)}`);
        } else {
          checkMapEntry(name, key, value);
          sets.push(`${before.has(key) ? 'set' : 'add'} map ${file} ${escapeCliWord(key)} ${escapeCliWord(value)}`);
        }
      }
    }
    // Keys go before tenants are replaced wholesale only when they are few: a big change is a swap per map, keys last.
    if (first.length + sets.length + last.length > 0) await this.#o.api.execute([...first, ...sets, ...last]);
    for (const name of replaced.sort((a, b) => Number(a === 'keys') - Number(b === 'keys'))) await replaceMap(this.#o.api, this.#file(name), next[name]);
    for (const name of LIVE_MAPS) this.#applied[name] = new Map(next[name]);
  }

  #file(name: MapName): string {
    return `${this.#o.mapDir}/${MAP_FILES[name]}`;
  }
}

/** [key, new value or undefined for a deletion] for every entry that differs. */
function diff(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const key of before.keys()) if (!after.has(key)) out.push([key, undefined]);
  for (const [key, value] of after) if (before.get(key) !== value) out.push([key, value]);
  return out;
}

function withoutKey(map: ReadonlyMap<string, string>, key: string): Map<string, string> {
  const out = new Map(map);
  out.delete(key);
  return out;
}

/** A server name HAProxy takes for an instance id: `i-` and the id with anything outside [A-Za-z0-9_.:-] as `_`. */
function serverName(id: string): string {
  return `i-${id.replace(/[^A-Za-z0-9_.:-]/g, '_')}`;
}

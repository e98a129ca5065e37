/**
 * Who a request acts for and what it carries, decided before its body is
 * read: the API key (or bearer token) → tenant, the key's scopes, the key's
 * and tenant's quotas, and the `x-mlaas-config` the service receives —
 * tenant config, then flag values for the tenant, then the request's own
 * overridable settings. Also the tenant-aware part of revision picking:
 * tenant rules, then the routing flag, then the weighted split.
 *
 * Everything consulted per request lives in one immutable snapshot that is
 * rebuilt and swapped whole when keys, tenants, flags or services change, so
 * the next request sees the change and no request sees half of one.
 */
import type { IncomingMessage } from 'node:http';
import type { JwtScheme } from '../config/index.js';
import type { KeyRecord, QuotaSpec, TenantRecord } from '../control-plane/state-store.js';
import type { ErrorCode } from '../errors.js';
import { FlagSet, type FlagEvaluation } from '../flags/flag-set.js';
import { SETTINGS_HEADER, parseRequestSettings, resolveTenantConfig } from '../flags/resolve-tenant-config.js';
import { TenantConfigCache, contextOf, type TenantProfile } from '../flags/tenant-config-cache.js';
import { JwtVerifier } from './jwt-verifier.js';
import { buildKeyIndex, verifyKey, type KeyIndex } from './key-index.js';
import type { PreparedOperation } from './prepared-operation.js';
import { QuotaLimiter } from './quota-limiter.js';
import { ANONYMOUS_CONSUMER, quotaRefusal } from './quota-refusal.js';
import { pickRevision, type ServiceRouting } from './traffic-router.js';

export type Admission =
  | {
      ok: true;
      tenantId: string | undefined;
      configHeader: string | undefined;
      /** The caller may pick a revision by `x-mlaas-tag` on a service with tenant rules: only a key allowed tags. */
      allowTags: boolean;
    }
  | { ok: false; code: ErrorCode; detail: string; headers?: Record<string, string> };

export interface RequestTenancyOptions {
  keys: readonly KeyRecord[];
  tenants: readonly TenantRecord[];
  flags?: FlagSet;
  /** Service → the `x-mlaas-config` keys a request may override with `x-mlaas-settings`. */
  overridable?: ReadonlyMap<string, readonly string[]>;
  now: () => number;
  /** Told of every accepted key; expected to batch the write (see KeyUsageRecorder). */
  onKeyUsed?: (keyId: string, atMs: number) => void;
  /** Where a JWKS given as a relative file path is found: the gateway document's directory. */
  jwksBaseDir?: string;
  /** The limiter of every quota, passed in so that its owner can report use; a new one when absent. */
  quotaLimiter?: QuotaLimiter;
}

interface Snapshot {
  keys: KeyIndex;
  quotas: ReadonlyMap<string, QuotaSpec>;
  profiles: ReadonlyMap<string, TenantProfile>;
  configs: TenantConfigCache;
  overridable: ReadonlyMap<string, ReadonlySet<string>>;
  /** `flag\ntenant` → evaluation, filled on first use; flags target tenants, so it is fixed per snapshot. */
  flagRoutes: Map<string, FlagEvaluation>;
}

const NOTHING: ReadonlySet<string> = new Set();
const ANONYMOUS: Admission = Object.freeze({ ok: true, tenantId: undefined, configHeader: undefined, allowTags: false });
const KEY_INVALID: Admission = Object.freeze({ ok: false, code: 'GW_KEY_INVALID', detail: 'the API key is unknown, revoked or expired' });

export class RequestTenancy {
  private snapshot: Snapshot;
  private keyRecords: readonly KeyRecord[];
  private tenantRecords: readonly TenantRecord[];
  private flags: FlagSet;
  private overridable: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly quotaLimiter: QuotaLimiter;
  private readonly verifiers = new WeakMap<JwtScheme, JwtVerifier>();
  private readonly options: RequestTenancyOptions;

  constructor(options: RequestTenancyOptions) {
    this.options = options;
    this.quotaLimiter = options.quotaLimiter ?? new QuotaLimiter({ now: options.now });
    this.keyRecords = options.keys;
    this.tenantRecords = options.tenants;
    this.flags = options.flags ?? FlagSet.empty();
    this.overridable = toSets(options.overridable ?? new Map());
    this.snapshot = this.build();
  }

  setKeys(keys: readonly KeyRecord[]): void {
    this.keyRecords = keys;
    this.snapshot = this.build();
  }

  setTenants(tenants: readonly TenantRecord[]): void {
    this.tenantRecords = tenants;
    this.snapshot = this.build();
  }

  setFlags(flags: FlagSet): void {
    this.flags = flags;
    this.snapshot = this.build();
  }

  setOverridable(overridable: ReadonlyMap<string, readonly string[]>): void {
    this.overridable = toSets(overridable);
    this.snapshot = this.build();
  }

  /**
   * Authenticates and admits a request for `prep`, or says which problem to
   * answer. Synchronous unless a bearer token has to be checked.
   *
   * @throws MlaasError GW_SETTINGS_INVALID when `x-mlaas-settings` is malformed
   */
  admit(req: IncomingMessage, prep: PreparedOperation, rawQuery: string): Admission | Promise<Admission> {
    const s = this.snapshot;
    const now = this.options.now();
    const presented = prep.keyLocations.length === 0 ? undefined : presentedKey(req, prep, rawQuery);
    if (presented !== undefined) {
      const key = verifyKey(s.keys, presented, now);
      if (key === undefined) return KEY_INVALID;
      const service = prep.backend.kind === 'service' ? prep.backend.service : undefined;
      if (key.scopes !== undefined && (service === undefined || !key.scopes.has(service))) {
        const what = service === undefined ? 'an outside backend' : `service ${service}`;
        return { ok: false, code: 'GW_KEY_SCOPE', detail: `this API key may call ${[...key.scopes].join(', ') || 'no service'}, not ${what}` };
      }
      this.options.onKeyUsed?.(key.id, now);
      return this.admitTenant(s, req, prep, key.tenantId, key.id, key.quota, key.allowTags);
    }
    const token = prep.jwtSchemes.length === 0 ? undefined : bearerToken(req.headers.authorization);
    if (token !== undefined) return this.admitToken(s, req, prep, token);
    if (prep.authRequired) return { ok: false, code: 'GW_KEY_MISSING', detail: `this operation needs an API key (${describeLocations(prep)})` };
    return prep.quota.length === 0 ? ANONYMOUS : this.admitAnonymous(prep);
  }

  /**
   * The revision for a request that names no tag: the tenant's rule, else the
   * tag the routing flag gives the tenant, else the (sticky or random) split.
   */
  pickRevision(routing: ServiceRouting, tenantId: string | undefined, random: () => number): string | undefined {
    if (tenantId !== undefined) {
      const pinned = routing.byTenant.get(tenantId);
      if (pinned !== undefined) return pinned;
      if (routing.flagTag !== undefined) {
        const tag = tagOf(this.flagRoute(routing.flagTag, tenantId), routing.byTag);
        if (tag !== undefined) return routing.byTag.get(tag);
      }
    }
    return pickRevision(routing, tenantId, random);
  }

  private flagRoute(flag: string, tenantId: string): FlagEvaluation {
    const s = this.snapshot;
    const memo = `${flag}\n${tenantId}`;
    let evaluation = s.flagRoutes.get(memo);
    if (evaluation === undefined) {
      evaluation = s.configs.flags.evaluate(flag, contextOf(tenantId, s.profiles.get(tenantId)));
      s.flagRoutes.set(memo, evaluation);
    }
    return evaluation;
  }

  private admitTenant(
    s: Snapshot,
    req: IncomingMessage,
    prep: PreparedOperation,
    tenantId: string,
    callerId: string,
    callerQuota: QuotaSpec | undefined,
    allowTags: boolean,
  ): Admission {
    const tenantQuota = s.quotas.get(tenantId);
    if (callerQuota === undefined && tenantQuota === undefined && prep.quota.length === 0) return configured(s, req, prep, tenantId, allowTags);
    const decision = this.quotaLimiter.check(callerId, tenantId, { key: callerQuota, tenant: tenantQuota, document: prep.quota });
    if (decision.allowed) return configured(s, req, prep, tenantId, allowTags);
    return quotaRefusal(decision, tenantId);
  }

  /** A caller without a tenant on an operation the document charges: the shared allowance. */
  private admitAnonymous(prep: PreparedOperation): Admission {
    const decision = this.quotaLimiter.check(ANONYMOUS_CONSUMER, ANONYMOUS_CONSUMER, { document: prep.quota });
    return decision.allowed ? ANONYMOUS : quotaRefusal(decision, ANONYMOUS_CONSUMER);
  }

  private async admitToken(s: Snapshot, req: IncomingMessage, prep: PreparedOperation, token: string): Promise<Admission> {
    let reason = 'no security definition accepts it';
    for (const scheme of prep.jwtSchemes) {
      const outcome = await this.verifierOf(scheme).verify(token);
      if (!outcome.ok) {
        reason = outcome.reason;
        continue;
      }
      if (!s.profiles.has(outcome.tenantId)) {
        return { ok: false, code: 'GW_TOKEN_INVALID', detail: `the token's ${scheme.tenantClaim} claim names no tenant of this platform` };
      }
      // A token stands for its whole tenant: the tenant's quota applies, with the token's tenant as the caller.
      return this.admitTenant(s, req, prep, outcome.tenantId, `jwt:${outcome.tenantId}`, undefined, false);
    }
    return { ok: false, code: 'GW_TOKEN_INVALID', detail: `bearer token refused: ${reason}` };
  }

  private verifierOf(scheme: JwtScheme): JwtVerifier {
    let verifier = this.verifiers.get(scheme);
    if (verifier === undefined) {
      verifier = new JwtVerifier(scheme, this.options.jwksBaseDir ?? process.cwd());
      this.verifiers.set(scheme, verifier);
    }
    return verifier;
  }

  private build(): Snapshot {
    const profiles = new Map<string, TenantProfile>();
    const quotas = new Map<string, QuotaSpec>();
    for (const t of this.tenantRecords) {
      profiles.set(t.id, { id: t.id, config: t.config, attributes: t.attributes as TenantProfile['attributes'] });
      if (t.quota !== undefined) quotas.set(t.id, t.quota);
    }
    return {
      keys: buildKeyIndex(this.keyRecords, this.tenantRecords),
      quotas,
      profiles,
      configs: new TenantConfigCache(profiles.values(), this.flags),
      overridable: this.overridable,
      flagRoutes: new Map(),
    };
  }
}

/** The tenant's resolved config with the request's overridable settings over it, as the header value. */
function configured(s: Snapshot, req: IncomingMessage, prep: PreparedOperation, tenantId: string, allowTags: boolean): Admission {
  const base = s.configs.forTenant(tenantId);
  const settings = parseRequestSettings(req.headers[SETTINGS_HEADER]);
  if (settings === undefined) return { ok: true, tenantId, configHeader: base.header, allowTags };
  const service = prep.backend.kind === 'service' ? prep.backend.service : undefined;
  const overridable = (service === undefined ? undefined : s.overridable.get(service)) ?? NOTHING;
  return { ok: true, tenantId, configHeader: resolveTenantConfig(base, overridable, settings).header, allowTags };
}

/** The flag's string value when it is a tag of the policy, else its variant name when that is one. */
function tagOf(evaluation: FlagEvaluation, byTag: ReadonlyMap<string, string>): string | undefined {
  if (typeof evaluation.value === 'string' && byTag.has(evaluation.value)) return evaluation.value;
  if (evaluation.variant !== undefined && byTag.has(evaluation.variant)) return evaluation.variant;
  return undefined;
}

function toSets(map: ReadonlyMap<string, readonly string[]>): ReadonlyMap<string, ReadonlySet<string>> {
  return new Map([...map].map(([service, keys]) => [service, new Set(keys)]));
}

function presentedKey(req: IncomingMessage, prep: PreparedOperation, rawQuery: string): string | undefined {
  let query: URLSearchParams | undefined;
  for (const loc of prep.keyLocations) {
    if (loc.in === 'header') {
      const v = req.headers[loc.name];
      if (typeof v === 'string' && v !== '') return v;
    } else if (rawQuery !== '') {
      query ??= new URLSearchParams(rawQuery);
      const v = query.get(loc.name);
      if (v !== null && v !== '') return v;
    }
  }
  return undefined;
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

function describeLocations(prep: PreparedOperation): string {
  const places = prep.keyLocations.map((l) => (l.in === 'header' ? `header ${l.name}` : `query parameter ${l.name}`));
  if (prep.jwtSchemes.length > 0) places.push('a bearer token in Authorization');
  return places.length === 0 ? 'no API-key location is defined for it' : places.join(' or ');
}

/**
 * Who a request acts for and what it carries, decided before its body is
 * read: the credentials the operation's security asks for (credential-check.ts)
 * → tenant (the API key's, else the JWT's tenant claim), the key's scopes, the key's
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
import type { KeyRecord } from '../api/key.js';
import type { QuotaSpec, TenantRecord } from '../api/tenant.js';
import type { ErrorCode } from '../errors.js';
import { FlagSet, type FlagEvaluation } from '../flags/flag-set.js';
import { SETTINGS_HEADER } from '../api/service-contract.js';
import { parseRequestSettings, resolveTenantConfig } from '../flags/resolve-tenant-config.js';
import { TenantConfigCache, contextOf, type TenantProfile } from '../flags/tenant-config-cache.js';
import { CredentialCheck, type Credentials } from './credential-check.js';
import { buildKeyIndex, type KeyIndex } from './key-index.js';
import type { PreparedOperation } from './prepared-operation.js';
import type { QuotaChecker, QuotaCheckResult } from './quota-checker.js';
import { QuotaLimiter } from './quota-limiter.js';
import { ANONYMOUS_CONSUMER, quotaRefusal, type QuotaRefusal } from './quota-refusal.js';
import { pickRevision, type ServiceRouting } from './traffic-router.js';

export type Admission =
  | {
      ok: true;
      tenantId: string | undefined;
      configHeader: string | undefined;
      /** The caller may pick a revision by `x-mlaas-tag` on a service with tenant rules: only a key allowed tags. */
      allowTags: boolean;
      /** The verified JWT's payload as the backend gets it in `X-Apigateway-Api-Userinfo` (base64url JSON). */
      userInfo?: string;
    }
  | { ok: false; code: ErrorCode; detail: string; headers?: Record<string, string>; quota?: QuotaRefusal['quota'] };

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
  /** The limiter of every quota, passed in so that its owner can report use; a new in-process one when absent. */
  quotaLimiter?: QuotaChecker;
}

interface Snapshot {
  keys: KeyIndex;
  quotas: ReadonlyMap<string, QuotaSpec>;
  profiles: ReadonlyMap<string, TenantProfile>;
  configs: TenantConfigCache;
  overridable: ReadonlyMap<string, ReadonlySet<string>>;
  /** `flag\ntenant` → evaluation, filled on first use; flags target tenants, so it is fixed per snapshot. */
  flagRoutes: Map<string, FlagEvaluation>;
  /** Tenant → the admission of a request that overrides no setting, by whether its key may pick tags; filled on first use. */
  admissions: [Map<string, Admission>, Map<string, Admission>];
}

const NOTHING: ReadonlySet<string> = new Set();
const ANONYMOUS: Admission = Object.freeze({ ok: true, tenantId: undefined, configHeader: undefined, allowTags: false });

export class RequestTenancy {
  private snapshot: Snapshot;
  private keyRecords: readonly KeyRecord[];
  private tenantRecords: readonly TenantRecord[];
  private flags: FlagSet;
  private overridable: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly quotaLimiter: QuotaChecker;
  private readonly credentials: CredentialCheck;
  private readonly options: RequestTenancyOptions;

  constructor(options: RequestTenancyOptions) {
    this.options = options;
    this.quotaLimiter = options.quotaLimiter ?? new QuotaLimiter({ now: options.now });
    this.credentials = new CredentialCheck(options.jwksBaseDir ?? process.cwd(), options.now);
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
   * answer. Synchronous unless a token has to be checked or the quotas live in Redis.
   *
   * @throws MlaasError GW_SETTINGS_INVALID when `x-mlaas-settings` is malformed
   */
  admit(req: IncomingMessage, prep: PreparedOperation, rawQuery: string): Admission | Promise<Admission> {
    const s = this.snapshot;
    const now = this.options.now();
    const checked = this.credentials.check(req, prep, rawQuery, s.keys, now);
    return checked instanceof Promise ? checked.then((c) => this.admitCredentials(s, req, prep, c, now)) : this.admitCredentials(s, req, prep, checked, now);
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
  ): Admission | Promise<Admission> {
    const tenantQuota = s.quotas.get(tenantId);
    if (callerQuota === undefined && tenantQuota === undefined && prep.quota.length === 0) return configured(s, req, prep, tenantId, allowTags);
    const decision = this.quotaLimiter.check(callerId, tenantId, { key: callerQuota, tenant: tenantQuota, document: prep.quota });
    // The in-process limiter answers at once: no closure on that path.
    if (decision instanceof Promise) return decision.then((d) => decided(d, s, req, prep, tenantId, allowTags));
    return decided(decision, s, req, prep, tenantId, allowTags);
  }

  /** A caller without a tenant on an operation the document charges: the shared allowance. */
  private admitAnonymous(prep: PreparedOperation): Admission | Promise<Admission> {
    const decision = this.quotaLimiter.check(ANONYMOUS_CONSUMER, ANONYMOUS_CONSUMER, { document: prep.quota });
    return decision instanceof Promise ? decision.then(anonymous) : anonymous(decision);
  }

  /**
   * The tenant of the credentials: the key's when one admitted the request,
   * else the JWT's tenant claim, else none; a verified JWT's claims ride along.
   */
  private admitCredentials(s: Snapshot, req: IncomingMessage, prep: PreparedOperation, c: Credentials, now: number): Admission | Promise<Admission> {
    if (!c.ok) return c;
    const admission = this.tenantOf(s, req, prep, c, now);
    if (c.jwt === undefined) return admission;
    const userInfo = c.jwt.encodedPayload;
    if (admission instanceof Promise) return admission.then((a) => withUserInfo(a, userInfo));
    return withUserInfo(admission, userInfo);
  }

  private tenantOf(
    s: Snapshot,
    req: IncomingMessage,
    prep: PreparedOperation,
    c: Credentials & { ok: true },
    now: number,
  ): Admission | Promise<Admission> {
    const { key } = c;
    if (key !== undefined) {
      const service = prep.backend.kind === 'service' ? prep.backend.service : undefined;
      if (key.scopes !== undefined && (service === undefined || !key.scopes.has(service))) {
        const what = service === undefined ? 'an outside backend' : `service ${service}`;
        return { ok: false, code: 'GW_KEY_SCOPE', detail: `this API key may call ${[...key.scopes].join(', ') || 'no service'}, not ${what}` };
      }
      this.options.onKeyUsed?.(key.id, now);
      return this.admitTenant(s, req, prep, key.tenantId, key.id, key.quota, key.allowTags);
    }
    if (c.met?.jwtAt === undefined || c.jwt === undefined) return prep.quota.length === 0 ? ANONYMOUS : this.admitAnonymous(prep);
    const claim = c.jwt.scheme.tenantClaim;
    const tenantId = c.jwt.payload[claim];
    if (typeof tenantId !== 'string' || !s.profiles.has(tenantId)) {
      return { ok: false, code: 'GW_TOKEN_INVALID', detail: `the token's ${claim} claim names no tenant of this platform` };
    }
    // A token stands for its whole tenant: the tenant's quota applies, with the token's tenant as the caller.
    return this.admitTenant(s, req, prep, tenantId, `jwt:${tenantId}`, undefined, false);
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
      admissions: [new Map(), new Map()],
    };
  }
}

function decided(d: QuotaCheckResult, s: Snapshot, req: IncomingMessage, prep: PreparedOperation, tenantId: string, allowTags: boolean): Admission {
  return d.allowed ? configured(s, req, prep, tenantId, allowTags) : quotaRefusal(d, tenantId);
}

function withUserInfo(admission: Admission, userInfo: string): Admission {
  return admission.ok ? { ...admission, userInfo } : admission;
}

function anonymous(decision: QuotaCheckResult): Admission {
  return decision.allowed ? ANONYMOUS : quotaRefusal(decision, ANONYMOUS_CONSUMER);
}

/** The tenant's resolved config with the request's overridable settings over it, as the header value. */
function configured(s: Snapshot, req: IncomingMessage, prep: PreparedOperation, tenantId: string, allowTags: boolean): Admission {
  const settings = parseRequestSettings(req.headers[SETTINGS_HEADER]);
  if (settings === undefined) {
    const known = s.admissions[allowTags ? 1 : 0];
    let admission = known.get(tenantId);
    if (admission === undefined) {
      admission = Object.freeze({ ok: true, tenantId, configHeader: s.configs.forTenant(tenantId).header, allowTags });
      known.set(tenantId, admission);
    }
    return admission;
  }
  const base = s.configs.forTenant(tenantId);
  const service = prep.backend.kind === 'service' ? prep.backend.service : undefined;
  const overridable = (service === undefined ? undefined : s.overridable.get(service)) ?? NOTHING;
  return { ok: true, tenantId, configHeader: resolveTenantConfig(base, overridable, settings).header, allowTags };
}

/** The flag's string value when it is a tag of the policy, else its variant name when that is one. */
export function tagOf(evaluation: FlagEvaluation, byTag: ReadonlyMap<string, string>): string | undefined {
  if (typeof evaluation.value === 'string' && byTag.has(evaluation.value)) return evaluation.value;
  if (evaluation.variant !== undefined && byTag.has(evaluation.variant)) return evaluation.variant;
  return undefined;
}

function toSets(map: ReadonlyMap<string, readonly string[]>): ReadonlyMap<string, ReadonlySet<string>> {
  return new Map([...map].map(([service, keys]) => [service, new Set(keys)]));
}

/**
 * What the gateway (gateway-server.ts) is made with and what it offers its
 * composition root: the options, fixed at creation, and the setters through
 * which the control plane (or a snapshot, snapshot-applier.ts) swaps what it
 * serves.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Tracer } from '@opentelemetry/api';
import type { GatewayOperation } from '../config/index.js';
import type { ActivatorEndpoint } from '../api/data-plane.js';
import type { KeyRecord } from '../api/key.js';
import type { TenantRecord } from '../api/tenant.js';
import type { FlagSet } from '../flags/flag-set.js';
import type { ConnectionLimits } from '../http/index.js';
import type { ActivatorHooks, GateStatus, RevisionLimits } from './activator.js';
import type { BackendIdTokens } from './backend-id-tokens.js';
import type { DocumentQuotaStatus } from './document-quota-status.js';
import type { GatewayMetricsOptions } from './gateway-metrics.js';
import type { QuotaChecker } from './quota-checker.js';
import type { RequestLog } from './request-log.js';
import type { ShadowStats } from './shadow-mirror.js';
import type { ServiceRouting } from './traffic-router.js';
import type { ReadyInstance } from './upstream-pools.js';

/** Where the gateway learns which instances of a service can take requests now. */
export interface InstanceSource {
  /** The ready instances of a revision. Must be cheap: called on every request. */
  ready(revision: string): readonly ReadyInstance[];
}

export interface GatewayOptions {
  operations: readonly GatewayOperation[];
  keys: readonly KeyRecord[];
  tenants: readonly TenantRecord[];
  instances: InstanceSource;
  maxBodyBytes: number;
  /** Timeouts and cap of the gateway's connections (`gateway.connections`); unset ones take the kernel's defaults. */
  connections?: Partial<ConnectionLimits>;
  logger: Logger;
  now?: () => number;
  /** In [0, 1); picks the revision of a non-sticky split. Injected so tests can seed it. */
  random?: () => number;
  /** How the activator asks for instances of a revision at zero, and reports cold starts. */
  activation?: ActivatorHooks;
  flags?: FlagSet;
  /** Service → the `x-mlaas-config` keys a request may override (`services.S.overridable`). */
  overridable?: ReadonlyMap<string, readonly string[]>;
  /** Told of every accepted API key, for its last-used time; expected to batch (KeyUsageRecorder). */
  onKeyUsed?: (keyId: string, atMs: number) => void;
  /** Where a JWKS given as a relative file path is found: the gateway document's directory. */
  jwksBaseDir?: string;
  /** Signs the ID tokens backends get; needed as soon as an operation has a `backendAudience`. */
  idTokens?: BackendIdTokens;
  /** Where the gateway's Prometheus metrics go (gateway-metrics.ts); none are kept when absent. */
  metrics?: GatewayMetricsOptions;
  /** One JSON line per request (request-log.ts); none when absent. */
  requestLog?: RequestLog;
  /** Where the gateway's spans go (gateway-tracing.ts); no span is made when absent. */
  tracer?: Tracer;
  /** What counts the rate limits: shared ones (RedisQuotaLimiter, `quotas.redis`); in this process when absent. */
  quotas?: QuotaChecker;
  /**
   * Where a request for a revision with no ready instance goes instead of
   * waiting here: the control plane's activator, for a gateway that runs
   * without the runtime (`mlaas gateway`). Read per request; undefined: wait here.
   */
  remoteActivator?: () => ActivatorEndpoint | undefined;
  /** Makes `activatorServer`, where gateways that know this token send requests for a revision at zero (activator-endpoint.ts). */
  activatorToken?: string;
}

export interface Gateway {
  server: Server;
  /** The activator's listener for other gateways; present when `activatorToken` is given. */
  activatorServer: Server | undefined;
  setOperations(operations: readonly GatewayOperation[]): void;
  setKeys(keys: readonly KeyRecord[]): void;
  setTenants(tenants: readonly TenantRecord[]): void;
  /** The next request's config and flag routing use these flags. */
  setFlags(flags: FlagSet): void;
  setOverridable(overridable: ReadonlyMap<string, readonly string[]>): void;
  /** What shadow traffic did, per mirrored service. */
  shadowStats(): ShadowStats[];
  /** The gateway document's quota limits and each tenant's use of them in the last minute. */
  documentQuotas(): DocumentQuotaStatus[];
  /** Publishes a service's traffic; undefined takes the service off the air (503). */
  setRouting(service: string, routing: ServiceRouting | undefined): void;
  /**
   * Resolves once no request is in flight to these instances (or the timeout
   * passed), then closes their connection pools — call it after they stopped
   * getting traffic and before stopping their processes.
   */
  drainInstances(ids: readonly string[], timeoutMs: number): Promise<void>;
  /** The hard per-instance concurrency and maximum size of a revision (undefined: no limit). */
  setRevisionLimits(revision: string, limits: RevisionLimits | undefined): void;
  /** The supervisor's ready set of a revision changed: requests waiting for it may go. */
  instancesChanged(revision: string): void;
  /** Requests in flight at a revision plus those waiting for it: what the autoscaler observes. */
  revisionLoad(revision: string): number;
  /** Requests that have reached a revision so far, a counter: the autoscaler's rps metric. */
  revisionRequests(revision: string): number;
  /** Forgets a retired revision's queue. */
  forgetRevision(revision: string): void;
  activatorStatus(): GateStatus[];
  /** Tells the gateway which instance ids still exist, so it can close their pools. */
  retainInstances(liveIds: ReadonlySet<string>): void;
  inFlight(): Record<string, number>;
  close(): Promise<void>;
}

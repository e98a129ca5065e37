/**
 * The gateway: one HTTP server in front of every service. Per request it
 * matches the route, admits the caller (key or token → tenant, scopes,
 * quotas, tenant config: request-tenancy.ts), reads the body within the
 * limit, picks the revision and the least-busy ready instance and forwards over a pooled
 * keep-alive connection within the route's deadline and the revision's timeout; a share of requests may
 * be copied to a shadow revision afterwards (shadow-mirror.ts); once answered,
 * each request is counted and logged (request-observer.ts) and, when a tracer
 * is given, traced (gateway-tracing.ts). Everything it
 * consults (routes, keys, tenants, flags, metric series) is precomputed and swapped whole on change.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import type { GatewayOperation } from '../config/index.js';
import type { ActivatorEndpoint } from '../api/data-plane.js';
import { MlaasError } from '../errors.js';
import { createHttpServer, GATEWAY_LISTENER, sendError, sendProblem } from '../http/index.js';
import { readLimitedBody } from '../http/read-limited-body.js';
import { setBackendAuthorization, type BackendIdTokens } from './backend-id-tokens.js';
import type { Gateway, GatewayOptions } from './gateway-options.js';
import { ACTIVATOR_TOKEN_HEADER, forwardHeaders, responseHeaders } from './forward-headers.js';
import { activatorEndpoint } from './activator-endpoint.js';
import { relayAnswer } from './answer-relay.js';
import { backendPath, prepareOperation, type PreparedOperation } from './prepared-operation.js';
import { Activator } from './activator.js';
import { documentQuotaStatus } from './document-quota-status.js';
import { QuotaLimiter } from './quota-limiter.js';
import { RequestTenancy } from './request-tenancy.js';
import { ShadowMirror, type ShadowCopy } from './shadow-mirror.js';
import { backendRequest, errorMessage, failureOf, RETRY_SOON, type BackendCall } from './backend-call.js';
import type { ServiceRouting } from './traffic-router.js';
import { compileRoutes, type RouteTable } from './route-table.js';
import { requestIdOf, traceparentOf } from './trace-context.js';
import { UpstreamPools, type Upstream } from './upstream-pools.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { RequestObserver, type RequestObservation } from './request-observer.js';
import { ATTR_MLAAS_REVISION, ATTR_MLAAS_TENANT, GatewayTracing, type BackendAttempt, type RequestTrace } from './gateway-tracing.js';

export type { Gateway, GatewayOptions, InstanceSource } from './gateway-options.js';

export function createGateway(options: GatewayOptions): Gateway {
  const { instances, maxBodyBytes, logger, remoteActivator } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const routing = new Map<string, ServiceRouting>();
  const pools = new UpstreamPools();
  const activator = new Activator({ ready: (revision) => instances.ready(revision), pools, hooks: options.activation, now });
  const idTokens = options.idTokens;
  const quotaLimiter = options.quotas ?? new QuotaLimiter({ now });
  const metrics = options.metrics === undefined ? undefined : new GatewayMetrics(options.metrics, activator, quotaLimiter);
  const observer = metrics === undefined && options.requestLog === undefined ? undefined : new RequestObserver(metrics, options.requestLog);
  const tracing = options.tracer === undefined ? undefined : new GatewayTracing(options.tracer);
  const prepare = (operations: readonly GatewayOperation[]): PreparedOperation[] => {
    const out = operations.map(prepareOperation);
    for (const op of out) op.routeMetrics = observer?.route(op.backend.kind === 'service' ? op.backend.service : '', op.routeLabel);
    const needy = out.find((op) => op.backendAudience !== undefined);
    if (needy !== undefined && idTokens === undefined) {
      throw new Error(`${needy.method} ${needy.path} sends its backend an ID token, and the gateway has no key to sign one (idTokens)`);
    }
    return out;
  };
  let prepared = prepare(options.operations);
  let routes: RouteTable<PreparedOperation> = compileRoutes(prepared);
  const tenancy = new RequestTenancy({ ...options, now, quotaLimiter });
  const shadow = new ShadowMirror({ ready: (revision) => instances.ready(revision), random, now });

  /** Handles one request and, once it is answered, counts and logs it. */
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every answer names the request id in its one writeHead (responseHeaders, sendProblem): no setHeader before it.
    const requestId = requestIdOf(req.headers['x-request-id']);
    const seen = observer?.start(req, res, requestId);
    const traced = tracing?.start(req, requestId);
    if (traced !== undefined && seen !== undefined) seen.traceparent = traced.traceparent;
    try {
      await handle(req, res, requestId, seen, traced);
    } catch (err) {
      if (err instanceof MlaasError) {
        if (err.code === 'GW_BODY_TOO_LARGE') res.setHeader('connection', 'close');
        sendError(res, err, requestId);
      } else {
        logger.error({ err: errorMessage(err), requestId }, 'gateway request failed');
        sendProblem(res, 'GW_INTERNAL', 'the gateway failed to handle this request', requestId);
      }
    }
    if (seen !== undefined) observer?.finish(seen);
    if (traced !== undefined) tracing?.finish(traced, res);
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    seen: RequestObservation | undefined,
    traced: RequestTrace | undefined,
  ): Promise<void> {
    const arrivedAt = now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';

    const match = routes.match(method, path);
    if (match.kind === 'not-found') {
      return sendProblem(res, 'GW_ROUTE_NOT_FOUND', `no operation in the gateway document matches ${path}`, requestId);
    }
    if (match.kind === 'method-not-allowed') {
      return sendProblem(res, 'GW_METHOD_NOT_ALLOWED', `${path} accepts ${match.allow}, got ${method}`, requestId, {
        allow: match.allow,
      });
    }
    const prep = match.route;
    if (seen !== undefined) {
      seen.route = prep.routeMetrics;
      seen.routeLabel = prep.routeLabel;
      if (prep.backend.kind === 'service') seen.service = prep.backend.service;
    }
    if (traced !== undefined) tracing?.matched(traced, prep.path, prep.backend.kind === 'service' ? prep.backend.service : undefined);

    const admitted = tenancy.admit(req, prep, rawQuery);
    const admission = admitted instanceof Promise ? await admitted : admitted;
    if (!admission.ok) {
      if (admission.quota !== undefined) observer?.quotaRejected(admission.quota.scope, admission.quota.limit);
      return sendProblem(res, admission.code, admission.detail, requestId, admission.headers);
    }
    const { tenantId, configHeader, allowTags, userInfo } = admission;
    if (seen !== undefined) seen.tenant = tenantId;
    if (traced !== undefined && tenantId !== undefined) traced.span.setAttribute(ATTR_MLAAS_TENANT, tenantId);
    // Before an instance is held, so that a failure to sign leaves none held.
    const minted = prep.backendAudience === undefined ? undefined : (idTokens as BackendIdTokens).authorization(prep.backendAudience);
    const backendAuthorization = minted instanceof Promise ? await minted : minted;

    let body: Buffer;
    try {
      body = await readLimitedBody(req, maxBodyBytes, 'GW_BODY_TOO_LARGE');
    } catch (err) {
      // The caller hung up in the middle of its body: its doing, and nobody is left to answer.
      if (res.destroyed || (err as { code?: string }).code === 'ECONNRESET') {
        logger.debug({ requestId }, 'caller left before sending its whole body');
        return;
      }
      throw err;
    }
    if (seen !== undefined) seen.requestBytes = body.length;

    let deadlineMs = prep.deadlineMs;
    let deadlineAt = arrivedAt + deadlineMs;
    let upstream: Upstream;
    let revision: string | undefined;
    let shadowCopy: ShadowCopy | undefined;
    // Set when the request goes to the control plane's activator: it holds and forwards, this gateway only passes it on.
    let activatedBy: ActivatorEndpoint | undefined;
    if (prep.backend.kind === 'service') {
      const service = prep.backend.service;
      const traffic = routing.get(service);
      if (traffic === undefined) {
        return sendProblem(res, 'GW_NO_INSTANCE', `service ${service} has no revision serving traffic`, requestId, RETRY_SOON);
      }
      // A caller's tag must not lead past tenant rules (to a revision pinned to another tenant, or
      // away from its own) unless its key may choose tags; the document's own tag always holds.
      const sentTag = req.headers['x-mlaas-tag'];
      const callerTag = typeof sentTag === 'string' && (allowTags || traffic.byTenant.size === 0) ? sentTag : undefined;
      const tag = prep.backend.tag ?? callerTag;
      revision = tag === undefined ? tenancy.pickRevision(traffic, tenantId, random) : traffic.byTag.get(tag);
      if (seen !== undefined) seen.revision = revision;
      if (traced !== undefined && revision !== undefined) traced.span.setAttribute(ATTR_MLAAS_REVISION, revision);
      if (revision === undefined) {
        if (tag !== undefined) return sendProblem(res, 'GW_TAG_UNKNOWN', `service ${service} has no revision tagged ${tag}`, requestId);
        return sendProblem(res, 'GW_NO_INSTANCE', `service ${service} has no revision serving traffic`, requestId, RETRY_SOON);
      }
      shadowCopy = traffic.mirror === undefined ? undefined : shadow.consider(traffic, revision);
      // The revision's timeoutSeconds bounds the call as the route's deadline does: the smaller wins.
      const timeoutMs = activator.timeoutOf(revision);
      if (timeoutMs < deadlineMs) {
        deadlineMs = timeoutMs;
        deadlineAt = arrivedAt + timeoutMs;
      }
      const atZero = remoteActivator !== undefined && instances.ready(revision).length === 0;
      activatedBy = atZero ? remoteActivator() : undefined;
      if (atZero && activatedBy === undefined) {
        // Nothing here starts instances, and no control plane runs to: waiting would only run out the deadline.
        return sendProblem(res, 'GW_NO_INSTANCE', `revision ${revision} has no ready instance and no control plane runs to start one`, requestId, RETRY_SOON);
      }
      if (activatedBy !== undefined) {
        upstream = pools.forOrigin(activatedBy.url);
        upstream.inFlight++;
      } else {
        const slot = activator.acquire(revision, deadlineAt);
        upstream = slot instanceof Promise ? await waited(slot, revision, seen) : slot;
      }
    } else {
      upstream = pools.forOrigin(prep.backend.origin, prep.backend.h2);
      upstream.inFlight++;
    }

    // With tracing, each attempt's client span replaces it (forward).
    const traceparent = traced === undefined ? traceparentOf(req.headers['traceparent']) : traced.traceparent;
    if (seen !== undefined) seen.traceparent = traceparent;
    const headers = forwardHeaders(req.headers, prep, {
      requestId,
      traceparent,
      tenantId,
      configHeader,
      userInfo,
      revision,
      clientAddress: req.socket.remoteAddress,
      proto: (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http',
    });
    if (backendAuthorization !== undefined) setBackendAuthorization(headers, backendAuthorization);
    if (activatedBy !== undefined) headers[ACTIVATOR_TOKEN_HEADER] = activatedBy.token;
    const call: BackendCall = {
      method,
      path: backendPath(prep, path, rawQuery, match.params),
      headers,
      body,
      deadlineMs,
      deadlineAt,
      requestId,
      shadow: shadowCopy,
    };
    // Through the activator, the instance (and any resend to another) is the activator's business.
    await forward(res, upstream, activatedBy === undefined ? revision : undefined, call, seen, traced);
    // The copy is the gateway's doing, not the primary attempt's.
    if (traced !== undefined) call.headers['traceparent'] = traced.traceparent;
    // After the caller has its answer, so the copy cannot delay it.
    shadowCopy?.send(call);
  }

  /**
   * Sends the call to `first` (a slot already held) and streams the answer
   * back; the caller gets exactly one answer whatever fails. A platform
   * service's request is sent again, within the deadline, to another instance
   * (or the replacement the activator waits for) when its instance refused the
   * connection — it never got the request — or, once, when the instance closed
   * the connection before answering: instances keep no state between requests
   * (the service contract), so the one that died had done nothing lasting.
   */
  async function forward(
    res: ServerResponse,
    first: Upstream,
    revision: string | undefined,
    call: BackendCall,
    seen: RequestObservation | undefined,
    traced: RequestTrace | undefined,
  ): Promise<void> {
    let held: Upstream | undefined = first;
    let failed: Upstream[] | undefined;
    // Set once the request went on to the control plane's activator: it holds and resends from there.
    let viaActivator = false;
    let resent = false;
    let attempt: BackendAttempt | undefined;
    // Writes the answer's head and says where its body goes.
    const head = (statusCode: number, rawHeaders: readonly Buffer[]): Writable => {
      if (attempt !== undefined) tracing?.answered(attempt, statusCode);
      res.writeHead(statusCode, responseHeaders(rawHeaders, call.requestId));
      return call.shadow === undefined ? res : call.shadow.tap(statusCode, res);
    };
    try {
      for (;;) {
        const upstream: Upstream = held;
        // The caller left while the request waited for an instance: nobody to answer.
        if (res.destroyed) return;
        let sentAt = 0;
        if (seen !== undefined) {
          sentAt = performance.now();
          if (revision !== undefined && !viaActivator) seen.instance = upstream.id;
        }
        if (traced !== undefined && tracing !== undefined) {
          attempt = tracing.attempt(traced, upstream.origin, call.path, revision === undefined ? undefined : upstream.id, failed?.length ?? 0);
          call.headers['traceparent'] = attempt.traceparent;
        }
        try {
          await relayAnswer(upstream.pool, backendRequest(call, now()), res, head);
          if (seen !== undefined) seen.backendMs += performance.now() - sentAt;
          if (attempt !== undefined) tracing?.attemptEnded(attempt);
          return;
        } catch (err) {
          if (seen !== undefined) seen.backendMs += performance.now() - sentAt;
          if (attempt !== undefined) tracing?.attemptFailed(attempt, err);
          if (res.destroyed) return;
          // Part of the answer is out: cutting the connection is the only way to say it broke off.
          if (res.headersSent) {
            res.destroy();
            return;
          }
          const failure = failureOf(err);
          if (failure === 'timeout') {
            return sendProblem(res, 'GW_DEADLINE_EXCEEDED', `backend did not answer within ${call.deadlineMs / 1000}s`, call.requestId);
          }
          const again = revision !== undefined && !viaActivator && (failure === 'refused' || (failure === 'closed' && !resent));
          if (!again) {
            logger.warn({ err: errorMessage(err), upstream: upstream.id, requestId: call.requestId }, 'backend unreachable');
            return sendProblem(res, 'GW_BACKEND_UNREACHABLE', 'the backend could not be reached or closed the connection', call.requestId);
          }
          if (failure === 'closed') resent = true;
          (failed ??= []).push(upstream);
          const away = remoteActivator === undefined ? undefined : activatorAfter(revision, failed);
          if (away !== undefined) {
            activator.release(revision, upstream);
            held = pools.forOrigin(away.url);
            held.inFlight++;
            call.headers[ACTIVATOR_TOKEN_HEADER] = away.token;
            viaActivator = true;
            continue;
          }
          let slot: Upstream | Promise<Upstream>;
          try {
            slot = activator.acquire(revision, call.deadlineAt, failed);
          } catch (refusal) {
            return unreachable(res, upstream, call, refusal);
          }
          activator.release(revision, upstream);
          held = undefined;
          try {
            held = slot instanceof Promise ? await waited(slot, revision, seen) : slot;
          } catch (refusal) {
            return unreachable(res, upstream, call, refusal);
          }
        }
      }
    } finally {
      if (held !== undefined) {
        if (revision === undefined || viaActivator) held.inFlight--;
        else activator.release(revision, held);
      }
    }
  }

  /**
   * For a gateway without the runtime: once every instance its snapshot
   * knows failed this request (stopped by a scale-down the snapshot has not
   * caught up with yet), the control plane's activator, which waits for the
   * instance its runtime starts; undefined while another instance remains.
   */
  function activatorAfter(revision: string, failed: readonly Upstream[]): ActivatorEndpoint | undefined {
    for (const instance of instances.ready(revision)) if (!failed.some((f) => f.id === instance.id)) return undefined;
    return remoteActivator?.();
  }

  /** Waits for an instance with room, the wait counted in the activator's histogram and the request's queue time. */
  async function waited(slot: Promise<Upstream>, revision: string, seen: RequestObservation | undefined): Promise<Upstream> {
    if (seen === undefined) return slot;
    const since = performance.now();
    try {
      return await slot;
    } finally {
      observer?.activatorWait(seen, revision, performance.now() - since);
    }
  }

  /** 502 for a request whose instance failed and that no other instance took before the deadline. */
  function unreachable(res: ServerResponse, failed: Upstream, call: BackendCall, refusal: unknown): void {
    if (res.destroyed) return;
    logger.warn({ upstream: failed.id, requestId: call.requestId, err: errorMessage(refusal) }, 'backend unreachable, no other instance took the request');
    sendProblem(
      res,
      'GW_BACKEND_UNREACHABLE',
      'the instance could not be reached or closed the connection, and no other instance took the request before the deadline',
      call.requestId,
    );
  }

  const server = createHttpServer({ listener: GATEWAY_LISTENER, limits: options.connections }, (req, res) => void serve(req, res));
  const activatorServer =
    options.activatorToken === undefined
      ? undefined
      : createHttpServer(
          { listener: GATEWAY_LISTENER },
          activatorEndpoint({
            token: options.activatorToken,
            activator,
            maxBodyBytes,
            logger,
            now,
            forward: (res, held, revision, call) => forward(res, held, revision, call, undefined, undefined),
          }),
        );

  return {
    server,
    activatorServer,
    setOperations(operations) {
      prepared = prepare(operations);
      routes = compileRoutes(prepared);
    },
    setKeys: (next) => tenancy.setKeys(next),
    setTenants: (next) => tenancy.setTenants(next),
    setFlags: (next) => tenancy.setFlags(next),
    setOverridable: (next) => tenancy.setOverridable(next),
    shadowStats: () => shadow.stats(),
    documentQuotas: () => documentQuotaStatus(prepared, quotaLimiter.documentUse()),
    setRouting(service, next) {
      if (next === undefined) routing.delete(service);
      else routing.set(service, next);
    },
    drainInstances: (ids, timeoutMs) => pools.drain(ids, timeoutMs),
    setRevisionLimits: (revision, limits) => activator.setLimits(revision, limits),
    instancesChanged: (revision) => activator.readyChanged(revision),
    revisionLoad: (revision) => activator.load(revision),
    revisionRequests: (revision) => activator.requests(revision),
    forgetRevision(revision) {
      activator.forget(revision);
      observer?.forgetRevision(revision);
    },
    activatorStatus: () => activator.status(),
    retainInstances(liveIds) {
      pools.retain(liveIds);
    },
    inFlight: () => pools.inFlight(),
    async close() {
      await Promise.all([server, activatorServer].map((s) => s && closeServer(s)));
      await Promise.all([pools.close(), shadow.close()]);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Resolves whether or not the server ever listened.
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

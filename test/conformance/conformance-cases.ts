/**
 * Every case of the gateway conformance suite, in the order they run, and
 * which data plane serves each — the suite's statement of "which cases run where":
 *
 * haproxy: 'native' — a native data plane serves these requests itself, the happy paths of:
 *   routing + path translation of `mlaas://SERVICE/PATH` backends; API key in header or query (valid,
 *   unexpired, unrevoked key; scoped key calling an allowed service); tenant headers and x-mlaas-config
 *   (no x-mlaas-settings); stripping caller x-mlaas-* / the key; traffic split + stickiness; tenant rules
 *   and flag routing; per-instance concurrency limit with queue and its deadline; deadlines (504); drain
 *   on retire. The request id and traceparent travel with every request it serves, so that case is
 *   native too, and so is a body within the size limit.
 *
 * haproxy: 'typescript' — a native data plane hands these requests to the TypeScript gateway:
 *   every refusal a caller gets before forwarding (401/403/404/405/413/429 problem+json, and 400 for a
 *   malformed x-mlaas-settings); JWT auth and AND/OR combinations; quotas; x-mlaas-settings overrides;
 *   the `x-mlaas-tag` header; `@TAG` addresses; activation from zero; outside (http://) backends; mirror;
 *   CONSTANT_ADDRESS with path variables (they move to the query); and the queue of a revision whose
 *   service's routes have different deadlines — HAProxy's queue timeout is per backend, not per request,
 *   so only a service whose routes share one deadline is queued natively (`lane`; `queue` is not).
 */
import type { ConformanceCase } from './conformance-case.js';
import { AUTH_CASES } from './auth-cases.js';
import { CAPACITY_CASES } from './capacity-cases.js';
import { ROUTING_CASES } from './routing-cases.js';
import { TENANCY_CASES } from './tenancy-cases.js';
import { TRAFFIC_CASES } from './traffic-cases.js';

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [...ROUTING_CASES, ...AUTH_CASES, ...TENANCY_CASES, ...TRAFFIC_CASES, ...CAPACITY_CASES];

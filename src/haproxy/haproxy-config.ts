/**
 * The HAProxy configuration of the native data plane, written once per
 * gateway document: the front door on gateway.port, the native operations'
 * routes, a fixed number of revision slots (backends without servers, which
 * the programmer fills with instances through the runtime API), and the
 * TypeScript gateway as the backend of everything else. What changes while
 * it runs — keys, tenants, their config headers, traffic, instances — lives
 * in maps and dynamic servers (haproxy-programmer.ts), never in this text.
 *
 * A request is served natively only when every step finds its answer: a
 * route, a well-formed key of a known hash (and scope), a revision whose slot
 * has a ready instance, an ID token for the backend. At the first step that
 * does not, the request goes on to the TypeScript gateway untouched, which
 * answers it with its full semantics — the refusal, the activation, the
 * quota. So HAProxy never answers a caller itself before the backend is
 * called; it only answers for a backend that failed or ran out of time.
 */
import { ERROR_CODES, problemOf, type ErrorCode } from '../errors.js';
import { DEFAULT_MAX_QUEUE } from '../gateway/activator.js';
import { NOT_FROM_CALLER as CALLER_HEADERS_DROPPED } from '../gateway/forward-headers.js';
import type { KeyPlace, NativeOperation, OperationPlan } from './native-operations.js';
import { MAP_FILES, type MapName } from './native-maps.js';

export interface HaproxyConfigInput {
  plan: OperationPlan;
  host: string;
  port: number;
  /** The loopback port of the TypeScript gateway, the backend of everything HAProxy does not serve itself. */
  fallbackPort: number;
  /** The runtime API's unix socket (level admin). */
  socket: string;
  /** Where the map files live (and are created empty before the first start). */
  mapDir: string;
  /**
   * The revision backends to create, by their `timeout queue` (ms): a revision with instances takes a free
   * one whose queue timeout is the deadline of its service's operations (slotQueueTimeouts).
   */
  slotQueueMs: readonly number[];
  threads: number;
  maxBodyBytes: number;
  maxConnections: number;
  headerTimeoutMs: number;
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * The queue timeout of each slot: HAProxy has no per-request queue timeout, so a request may wait
 * for a busy instance only as long as its route's deadline if its slot's `timeout queue` is that
 * deadline. Each deadline of a native operation gets its share of `count` slots (at least 8).
 */
export function slotQueueTimeouts(plan: OperationPlan, count: number): number[] {
  const deadlines = [...new Set(plan.native.map((o) => o.deadlineMs))].sort((a, b) => a - b);
  if (deadlines.length === 0) return [];
  const each = Math.max(8, Math.floor(count / deadlines.length));
  return deadlines.flatMap((d) => Array.from({ length: each }, () => d));
}

/** The name of revision slot `i`'s backend. */
export function slotBackend(i: number): string {
  return `rev${i}`;
}

export const FALLBACK_BACKEND = 'mlaas-typescript';

/** The stick table counting requests per admitted key id. */
export const KEYS_USED_TABLE = 'mlaas-keys-used';

/** What the TypeScript gateway never copies from a caller, less what HAProxy handles itself (framing, Host, Expect). */
const NOT_FROM_CALLER = [...CALLER_HEADERS_DROPPED].filter((h) => !['connection', 'transfer-encoding', 'host', 'content-length', 'expect'].includes(h));

/** Marks an answer HAProxy made itself, so that after-response rules do not touch an instance's own. */
const GENERATED = 'x-mlaas-haproxy-error';
const RID = 'REQUEST-ID-PLACEHOLDER';

const KEY_PATTERN = '^mlk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$';
const REQUEST_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';

/** The caller's x-request-id when it is one well-formed value, else a new one: the id of every answer and log line. */
const requestIdRules = [
  `  http-request set-var(txn.rid) req.hdr(x-request-id) if { req.hdr_cnt(x-request-id) eq 1 } { req.hdr(x-request-id) -m reg ${REQUEST_ID_PATTERN} }`,
  '  http-request set-var(txn.rid) uuid() unless { var(txn.rid) -m found }',
];

/** A caller's traceparent this gateway continues: one, well-formed, with a trace id that is not all zeros. */
const CALLER_TRACE =
  '{ req.hdr_cnt(traceparent) eq 1 } { req.hdr(traceparent) -m reg ^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$ } !{ req.hdr(traceparent) -m beg 00-00000000000000000000000000000000- }';

/** `words` random 32-bit words as lower-case hex (8 digits each). */
function hexRandom(words: number): string {
  return '%[rand(),htonl,hex,lower]'.repeat(words);
}

/** This gateway's span: 16 random hex digits. */
const SPAN_ID = hexRandom(2);

export function renderHaproxyConfig(c: HaproxyConfigInput): string {
  const map = (name: MapName) => `${c.mapDir}/${MAP_FILES[name]}`;
  const places = keyPlaces(c.plan);
  const maxDeadline = c.plan.native.length === 0 ? 15_000 : Math.max(...c.plan.native.map((o) => o.deadlineMs));
  const problem = (status: number, code: ErrorCode, detail: string, headers = '') => {
    const body = JSON.stringify(problemOf(code, detail, { requestId: RID })).replace(JSON.stringify(RID), '"%[var(txn.rid)]"');
    return `  http-error status ${status} content-type application/problem+json hdr x-request-id "%[var(txn.rid)]"${headers} lf-string ${quote(body)}`;
  };
  // A queued request's deadline passed: 429 at the revision's maximum instances (more will not come), else 503, as the
  // activator answers. Which one is the capacity map's, read only when the answer is made: nothing per request.
  const queueTimeout = () => {
    const busy = (field: number) =>
      `%[var(txn.rev),map(${map('capacity')},'GW_NO_INSTANCE|${ERROR_CODES.GW_NO_INSTANCE.title}|${ERROR_CODES.GW_NO_INSTANCE.status}'),field(${field},|)]`;
    const body = JSON.stringify(problemOf('GW_NO_INSTANCE', 'no instance of the revision took the request before its deadline', { requestId: RID }))
      .replace(JSON.stringify(RID), '"%[var(txn.rid)]"')
      .replace('"https://mlaas.dev/errors/GW_NO_INSTANCE"', `"https://mlaas.dev/errors/${busy(1)}"`)
      .replace('"code":"GW_NO_INSTANCE"', `"code":"${busy(1)}"`)
      .replace(`"title":${JSON.stringify(ERROR_CODES.GW_NO_INSTANCE.title)}`, `"title":"${busy(2)}"`)
      .replace('"status":503', `"status":${busy(3)}`);
    return `status 503 content-type application/problem+json hdr x-request-id "%[var(txn.rid)]" hdr retry-after 1 hdr ${GENERATED} 1 lf-string ${quote(body)}`;
  };
  const lines = [
    '# Written by mlaas (gateway.dataplane: haproxy); maps and servers are programmed live through the runtime API.',
    'global',
    `  stats socket ${c.socket} mode 600 level admin`,
    `  nbthread ${c.threads}`,
    `  maxconn ${c.maxConnections}`,
    '  log stderr format raw local0 notice',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  http-reuse always',
    '  timeout connect 5s',
    `  timeout client ${c.requestTimeoutMs}`,
    `  timeout http-request ${c.headerTimeoutMs}`,
    `  timeout http-keep-alive ${c.keepAliveTimeoutMs}`,
    `  timeout server ${maxDeadline}`,
    problem(400, 'GW_REQUEST_MALFORMED', 'the request could not be read as HTTP/1.1'),
    problem(408, 'GW_REQUEST_TIMEOUT', 'the request was not received in time'),
    problem(502, 'GW_BACKEND_UNREACHABLE', 'the instance could not be reached or closed the connection, and no other instance took the request'),
    problem(503, 'GW_NO_INSTANCE', 'no instance took the request', ' hdr retry-after 1'),
    problem(504, 'GW_DEADLINE_EXCEEDED', 'the instance did not answer within the deadline'),
    '',
    'frontend mlaas-gateway',
    `  bind ${bindAddress(c.host)}:${c.port}`,
    // Only a plain request is considered: what needs the TypeScript gateway's judgement goes there untouched.
    `  acl settings req.hdr_cnt(x-mlaas-settings) gt 0`,
    `  acl tagged req.hdr_cnt(x-mlaas-tag) gt 0`,
    `  acl chunked req.hdr_cnt(transfer-encoding) gt 0`,
    `  acl one_host req.hdr_cnt(host) eq 1`,
    `  acl odd_host req.hdr(host) -m reg '["\\\\]'`,
    `  acl too_big req.hdr_val(content-length) gt ${c.maxBodyBytes}`,
    `  acl names_headers req.hdr(connection) -m reg -i ^(?!(?:close|keep-alive)$)`,
    // txn.op: the route (`METHOD/path`), then its operation's fields (routeEntries), `~` for no exact route.
    `  http-request set-var-fmt(txn.op) "%[method]%[path]" if !settings !tagged !chunked one_host !odd_host !too_big !names_headers`,
    `  http-request set-var(txn.op) var(txn.op),map(${map('routes')},~) if { var(txn.op) -m found }`,
    // Templated paths in the route table's order; a method the TypeScript gateway serves claims the request as "ts".
    ...c.plan.templates.flatMap((t, i) =>
      t.methods.map(
        (m) =>
          `  http-request set-var(txn.op) ${t.native.has(m) ? `str(@T${i}/${m}),map(${map('routes')})` : 'str(ts)'} if { var(txn.op) -m str ~ } { method ${m} } { path_reg '${t.pattern}' }`,
      ),
    ),
    `  http-request unset-var(txn.op) if { var(txn.op) -m str ts ~ }`,
    // The first place of the operation's list where a key is present is the one checked; a repeated header is no key.
    ...placeLists(c.plan).flatMap((list) =>
      list.split('.').map((id, j, ids) => {
        const earlierAbsent = ids.slice(0, j).map((e) => `!{ ${present(places[Number(e) - 1] as KeyPlace)} }`);
        const p = places[Number(id) - 1] as KeyPlace;
        const fetch = p.in === 'header' ? `req.hdr(${p.name})` : `url_param(${p.name})`;
        const once = p.in === 'header' ? `{ req.hdr_cnt(${p.name}) eq 1 }` : `{ url_param(${p.name}) -m found }`;
        return `  http-request set-var(txn.key) ${fetch} if { var(txn.op),field(3,|) -m str ${list} } ${[...earlierAbsent, once].join(' ')} { ${fetch} -m reg ${KEY_PATTERN} }`;
      }),
    ),
    `  http-request set-var(txn.kid) var(txn.key),bytes(4,12) if { var(txn.key) -m found }`,
    `  http-request set-var(txn.tenant) var(txn.key),bytes(17),sha2(256),hex,lower,concat(.,txn.kid),map(${map('keys')}) if { var(txn.kid) -m found }`,
    // A scoped key (its id in the scopes map) is admitted only to a service the map lists for it.
    `  http-request unset-var(txn.tenant) if { var(txn.tenant) -m found } { var(txn.kid),map(${map('scopes')}) -m found } !{ var(txn.op),field(2,|),concat(/,txn.kid),map(${map('scopes')}) -m found }`,
    `  acl admitted var(txn.op),field(3,|) -m str 0`,
    `  acl admitted var(txn.tenant) -m found`,
    `  http-request set-var(txn.rev) var(txn.op),field(2,|),concat(/,txn.tenant),map(${map('pins')}) if { var(txn.tenant) -m found }`,
    `  http-request set-var-fmt(txn.bucket) "%[var(txn.op),field(2,|)]/%[rand(100)]" if admitted !{ var(txn.rev) -m found }`,
    `  http-request set-var(txn.rev) var(txn.bucket),map(${map('split')}) if { var(txn.bucket) -m found }`,
    `  acl signed var(txn.op),field(6,|) -m str 0`,
    `  acl signed var(txn.op),field(1,|),map(${map('tokens')}) -m found`,
    // Everything HAProxy does to a request it serves itself is in the revision slots' rules, which see no other.
    `  use_backend %[var(txn.rev),map(${map('backends')})] if { var(txn.rev),map(${map('backends')}) -m found } signed`,
    `  default_backend ${FALLBACK_BACKEND}`,
    '',
  ];
  for (let i = 0; i < c.slotQueueMs.length; i++) {
    lines.push(
      `backend ${slotBackend(i)}`,
      '  balance leastconn',
      `  timeout queue ${c.slotQueueMs[i]}`,
      // An instance that refused the connection never got the request: another gets it. Not an instance that closed it
      // unanswered, as the TypeScript gateway does once: HAProxy's L7 retries copy every request for that (16 µs of its
      // 80 per request in haproxy-config-cost), so such a request gets HAProxy's 502.
      '  retries 2',
      '  retry-on conn-failure',
      '  option redispatch 1',
      ...requestIdRules,
      // A caller's trace goes on with a new span of this gateway's; without one (or with the all-zero trace id) a sampled one starts.
      `  http-request set-header traceparent "00-%[req.hdr(traceparent),field(2,-)]-${SPAN_ID}-%[req.hdr(traceparent),field(4,-)]" if ${CALLER_TRACE}`,
      `  http-request set-header traceparent "00-${hexRandom(4)}-${SPAN_ID}-01" unless ${CALLER_TRACE}`,
      // One pass over the headers for all of them: a rule per name costs a pass each.
      `  http-request del-header '^(?:x-mlaas-.*|${[...c.plan.keyHeaders, ...NOT_FROM_CALLER].map(regexLiteral).join('|')})$' -m reg`,
      ...c.plan.keyQueryParams.flatMap((q) => [
        `  http-request set-var(txn.query) "query,regsub('(^|&)${regexLiteral(q)}(=[^&]*)?(?=&|\\$)','',g),regsub('^&','')" if { url_param(${q}) -m found }`,
        `  http-request set-query %[var(txn.query)] if { var(txn.query) -m len gt 0 }`,
        `  http-request set-uri %[path] if { url_param(${q}) -m found } !{ var(txn.query) -m len gt 0 }`,
        '  http-request unset-var(txn.query)',
      ]),
      // Added, not set, where the one pass above already took the caller's away: no second search.
      '  http-request set-header x-request-id %[var(txn.rid)]',
      '  http-request add-header x-mlaas-tenant %[var(txn.tenant)] if { var(txn.tenant) -m found }',
      `  http-request add-header x-mlaas-config %[var(txn.tenant),map(${map('tenants')})] if { var(txn.tenant) -m found }`,
      '  http-request add-header x-mlaas-revision %[var(txn.rev)]',
      '  http-request add-header x-forwarded-proto http',
      '  http-request add-header x-forwarded-host %[req.hdr(host)]',
      '  http-request add-header x-forwarded-for %[src]',
      `  http-request add-header forwarded "for=${c.host.includes(':') ? '\\"[%[src]]\\"' : '%[src]'};host=\\"%[req.hdr(host)]\\";proto=http"`,
      '  http-request add-header x-forwarded-authorization %[req.fhdr(authorization)] if { var(txn.op),field(6,|) -m str 1 } { req.hdr_cnt(authorization) gt 0 }',
      `  http-request set-header authorization "Bearer %[var(txn.op),field(1,|),map(${map('tokens')})]" if { var(txn.op),field(6,|) -m str 1 }`,
      // Path translation (routeEntries' mode field): 0 the address's path, 1 it before the request's, 2 the request's as it is.
      '  http-request set-path %[var(txn.op),field(5,|)] if { var(txn.op),field(4,|) -m str 0 }',
      '  http-request set-path %[var(txn.op),field(5,|)]%[path] if { var(txn.op),field(4,|) -m str 1 }',
      // The lesser of the route's deadline and the revision's timeout, as the timeouts map has it for each pair.
      `  http-request set-timeout server var(txn.op),field(7,|),concat(/,txn.rev),map_str_int(${map('timeouts')},${maxDeadline})`,
      // Which keys HAProxy admitted, for their lastUsedAt (read by the data plane every second).
      `  http-request track-sc0 var(txn.kid) table ${KEYS_USED_TABLE} if { var(txn.tenant) -m found }`,
      // The activator's bound on waiting requests per revision.
      `  http-request return ${queueTimeout()} if { queue ge ${DEFAULT_MAX_QUEUE} }`,
      `  http-error ${queueTimeout()}`,
      '  http-after-response set-header x-request-id %[var(txn.rid)] unless { res.hdr_cnt(x-request-id) gt 0 }',
      `  http-after-response set-status 429 if { status 503 } { res.hdr_cnt(${GENERATED}) gt 0 } { var(txn.rev),map(${map('capacity')}) -m found }`,
      `  http-after-response del-header ${GENERATED} if { status 429 503 }`,
      '',
    );
  }
  lines.push(
    `backend ${KEYS_USED_TABLE}`,
    '  stick-table type string len 12 size 1m expire 1h store http_req_cnt',
    '',
    `backend ${FALLBACK_BACKEND}`,
    // For the request id of HAProxy's own answer when the TypeScript gateway does not answer; the request goes on untouched.
    ...requestIdRules,
    // The TypeScript gateway keeps its own deadlines, activation waits included.
    `  timeout server ${maxDeadline + 60_000}`,
    // The TypeScript gateway not answering is an internal failure, not an instance's.
    problem(502, 'GW_INTERNAL', 'the gateway behind HAProxy did not answer'),
    problem(503, 'GW_INTERNAL', 'the gateway behind HAProxy did not answer'),
    `  server typescript 127.0.0.1:${c.fallbackPort}`,
    '',
  );
  return lines.join('\n');
}

/**
 * The routes map's entries: `METHOD/path` (exact paths) and `@T<i>/METHOD` (templates) →
 * `index|service|keyPlaces|pathMode|prefix|signed|deadlineMs`, keyPlaces `0` for an operation without
 * security, else the 1-based ids of its places in `keyPlaces` joined by "."; pathMode 0 for the prefix
 * alone (CONSTANT_ADDRESS), 1 for the prefix before the request's path, 2 for the request's path as it
 * is (APPEND_PATH_TO_ADDRESS to an address without a path); `ts` for an exact path the TypeScript
 * gateway serves.
 */
export function routeEntries(plan: OperationPlan): Map<string, string> {
  const places = keyPlaces(plan);
  const value = (op: NativeOperation) =>
    [op.index, op.service, placeList(op, places), pathMode(op), op.prefix, op.audience === undefined ? 0 : 1, op.deadlineMs].join('|');
  const out = new Map<string, string>();
  for (const [k, op] of plan.exact) out.set(k, op === undefined ? 'ts' : value(op));
  plan.templates.forEach((t, i) => {
    for (const [m, op] of t.native) out.set(`@T${i}/${m}`, value(op));
  });
  return out;
}

function pathMode(op: NativeOperation): 0 | 1 | 2 {
  if (!op.append) return 0;
  return op.prefix === '' ? 2 : 1;
}

/** The condition that a key is present at `p` (for a header, once or more). */
function present(p: KeyPlace): string {
  return p.in === 'header' ? `req.hdr_cnt(${p.name}) gt 0` : `url_param(${p.name}) -m found`;
}

/** The distinct places keys are read from, in a fixed order. */
function keyPlaces(plan: OperationPlan): KeyPlace[] {
  const seen = new Map<string, KeyPlace>();
  for (const op of plan.native) for (const k of op.keys) seen.set(`${k.in}:${k.name}`, k);
  return [...seen.values()];
}

function placeList(op: NativeOperation, places: readonly KeyPlace[]): string {
  if (op.keys.length === 0) return '0';
  return op.keys.map((k) => 1 + places.findIndex((p) => p.in === k.in && p.name === k.name)).join('.');
}

/** Each distinct list of key places an operation has. */
function placeLists(plan: OperationPlan): string[] {
  const places = keyPlaces(plan);
  return [...new Set(plan.native.filter((op) => op.keys.length > 0).map((op) => placeList(op, places)))];
}

function bindAddress(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A double-quoted HAProxy argument. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function regexLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\,]/g, '\\$&');
}

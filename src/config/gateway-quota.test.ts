import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { parseGatewayDocument } from './gateway-document.js';

// Google's own example (quotas-configure), with a write metric beside it in the snake_case spelling of ESPv2's examples.
const READ = { name: 'read-requests', displayName: 'Read requests', valueType: 'INT64', metricKind: 'DELTA' };
const WRITE = { name: 'write-requests', display_name: 'Write requests', value_type: 'INT64', metric_kind: 'DELTA' };
const READ_LIMIT = { name: 'read-limit', metric: 'read-requests', unit: '1/min/{project}', values: { STANDARD: 1000 } };
const WRITE_LIMIT = { name: 'write-limit', metric: 'write-requests', unit: '1/min/{project}', values: { STANDARD: 10 } };
const READ_COST = { metricCosts: { 'read-requests': 1 } };
const WRITE_COST = { metricCosts: { 'write-requests': 2, 'read-requests': 1 } };

interface Parts {
  metrics?: object[];
  limits?: object[];
  management?: object;
  /** `x-google-quota` of GET and POST /v1/books; DELETE has none. */
  get?: object;
  post?: object;
}

function quotaDocument(parts: Parts = {}): unknown {
  const ok = { responses: { '200': { description: 'ok' } } };
  return {
    swagger: '2.0',
    info: { title: 'quotas', version: '1.0.0' },
    securityDefinitions: { api_key: { type: 'apiKey', name: 'key', in: 'query' } },
    security: [{ api_key: [] }],
    'x-google-backend': { address: 'http://127.0.0.1:9000' },
    'x-google-management': parts.management ?? {
      metrics: parts.metrics ?? [READ, WRITE],
      quota: { limits: parts.limits ?? [READ_LIMIT, WRITE_LIMIT] },
    },
    paths: {
      '/v1/books': {
        get: { ...ok, 'x-google-quota': parts.get ?? READ_COST },
        post: { ...ok, 'x-google-quota': parts.post ?? WRITE_COST },
        delete: ok,
      },
    },
  };
}

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseGatewayDocument(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    expect((err as MlaasError).code).toBe('GATEWAY_DOC_INVALID');
    return (err as MlaasError).errors ?? [];
  }
  throw new Error('expected GATEWAY_DOC_INVALID');
}

describe('x-google-management and x-google-quota', () => {
  it('charges each operation against the limits of the metrics it costs, in either spelling of the metric fields', () => {
    const [get, post, del] = parseGatewayDocument(quotaDocument()).operations;
    expect(get?.quota).toEqual([{ limit: 'read-limit', metric: 'read-requests', perMinute: 1000, cost: 1 }]);
    expect(post?.quota).toEqual([
      { limit: 'write-limit', metric: 'write-requests', perMinute: 10, cost: 2 },
      { limit: 'read-limit', metric: 'read-requests', perMinute: 1000, cost: 1 },
    ]);
    expect(del?.quota).toBeUndefined();
  });

  it('charges nothing for a metric without a limit, or a cost of 0', () => {
    const doc = quotaDocument({ limits: [READ_LIMIT], post: { metricCosts: { 'write-requests': 2, 'read-requests': 0 } } });
    expect(parseGatewayDocument(doc).operations[1]?.quota).toBeUndefined();
  });

  it('refuses a cost on a metric the document does not define, at its path', () => {
    const doc = quotaDocument({ get: { metricCosts: { 'read-request': 1 } } });
    expect(issuesOf(doc)).toEqual([
      {
        path: 'paths./v1/books.get.x-google-quota.metricCosts.read-request',
        message: 'unknown metric "read-request" (x-google-management.metrics defines read-requests, write-requests)',
      },
    ]);
  });

  it('refuses a unit other than 1/min/{project}, the only one API Gateway supports', () => {
    const doc = quotaDocument({ limits: [{ ...READ_LIMIT, unit: '1/d/{project}' }, WRITE_LIMIT] });
    expect(issuesOf(doc)).toEqual([
      {
        path: 'x-google-management.quota.limits[0].unit',
        message: 'expected "1/min/{project}" (API Gateway and Endpoints support only per-minute, per-project limits), got "1/d/{project}"',
      },
    ]);
  });

  it('refuses a limit without a STANDARD value, and a tier Google does not have', () => {
    const doc = quotaDocument({ limits: [READ_LIMIT, { ...WRITE_LIMIT, values: { PREMIUM: 5 } }] });
    expect(issuesOf(doc)).toEqual([
      { path: 'x-google-management.quota.limits[1].values.STANDARD', message: 'expected integer ≥ 0, got nothing' },
      { path: 'x-google-management.quota.limits[1].values.PREMIUM', message: 'unknown key; expected one of: STANDARD' },
    ]);
  });

  it('refuses a metric that is not an INT64 DELTA counter', () => {
    const { metric_kind: _kind, ...writeWithoutKind } = WRITE;
    const doc = quotaDocument({ metrics: [{ ...READ, valueType: 'DOUBLE' }, writeWithoutKind] });
    expect(issuesOf(doc)).toEqual([
      { path: 'x-google-management.metrics[0].valueType', message: 'expected one of "INT64", got "DOUBLE"' },
      { path: 'x-google-management.metrics[1].metricKind', message: 'expected DELTA (a quota metric counts requests), got nothing' },
    ]);
  });

  it('refuses a limit on an unknown metric, and a metric or limit name given twice', () => {
    const doc = quotaDocument({
      metrics: [READ, WRITE, READ],
      limits: [READ_LIMIT, { ...WRITE_LIMIT, metric: 'writes' }, READ_LIMIT],
      post: READ_COST,
    });
    expect(issuesOf(doc)).toEqual([
      { path: 'x-google-management.metrics[2].name', message: 'metric "read-requests" is defined twice (first at metrics[0])' },
      {
        path: 'x-google-management.quota.limits[1].metric',
        message: 'unknown metric "writes" (x-google-management.metrics defines read-requests, write-requests)',
      },
      { path: 'x-google-management.quota.limits[2].name', message: 'limit "read-limit" is defined twice (first at quota.limits[0])' },
    ]);
  });

  it('refuses a cost no request could ever pay: more than the limit allows in a minute', () => {
    const doc = quotaDocument({ post: { metricCosts: { 'write-requests': 11 } } });
    expect(issuesOf(doc)).toEqual([
      {
        path: 'paths./v1/books.post.x-google-quota.metricCosts.write-requests',
        message: 'costs 11, more than limit "write-limit" allows per minute (10): no request could ever pass',
      },
    ]);
  });

  it('refuses fields of x-google-management and x-google-quota that mlaas does not read', () => {
    const doc = quotaDocument({
      management: { metrics: [READ, WRITE], quota: { limits: [{ ...READ_LIMIT, duration: '1d' }, WRITE_LIMIT] }, apiName: 'books' },
      get: { ...READ_COST, selector: '*' },
    });
    expect(issuesOf(doc).map((i) => i.path)).toEqual([
      'x-google-management.apiName',
      'x-google-management.quota.limits[0].duration',
      'paths./v1/books.get.x-google-quota.selector',
    ]);
  });
});

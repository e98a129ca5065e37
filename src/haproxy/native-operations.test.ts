// Which operations of a gateway document HAProxy serves itself, decided from documents parsed as the gateway parses them.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseGatewayDocument } from '../config/index.js';
import { planOperations, type NativeOperation, type OperationPlan } from './native-operations.js';

const HEAD = `
swagger: '2.0'
info: { title: native, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
  other_key: { type: apiKey, name: x-other-key, in: header }
  query_key: { type: apiKey, name: key, in: query }
  jwt: { type: oauth2, flow: implicit, authorizationUrl: '', x-google-issuer: 'https://issuer.example', x-google-jwks_uri: 'https://issuer.example/jwks', x-google-audiences: mlaas }
x-google-management:
  metrics: [{ name: reads, displayName: Reads, valueType: INT64, metricKind: DELTA }]
  quota: { limits: [{ name: read-limit, metric: reads, unit: '1/min/{project}', values: { STANDARD: 3 } }] }
security: [{ api_key: [] }]
`;

const ok = `responses: { '200': { description: ok } }`;

function plan(paths: string): OperationPlan {
  return planOperations(operationsOf(paths));
}

function operationsOf(paths: string) {
  return parseGatewayDocument(parse(`${HEAD}paths:\n${paths}`)).operations;
}

const delegatedReason = (p: OperationPlan, method: string, path: string) => p.delegated.find((d) => d.method === method && d.path === path)?.reason;

describe('planOperations: what HAProxy serves itself', () => {
  it('serves an exact-path mlaas:// operation with one header key, with and without the trailing slash', () => {
    const p = plan(`
  /v1/spam:
    post:
      x-google-backend: { address: 'mlaas://spam/predict' }
      ${ok}
`);
    expect(p.delegated).toEqual([]);
    expect(p.native.map((o) => routeKeysOf(p, o))).toEqual([['POST/v1/spam', 'POST/v1/spam/']]);
    expect(p.native).toEqual([
      {
        index: 0,
        service: 'spam',
        keys: [{ in: 'header', name: 'x-api-key' }],
        deadlineMs: 15_000,
        prefix: '/predict',
        append: false,
        audience: 'mlaas://spam',
      },
    ]);
  });

  it('serves an operation without security, and one keyed in the query', () => {
    const p = plan(`
  /v1/open:
    get:
      security: []
      x-google-backend: { address: 'mlaas://echo', path_translation: APPEND_PATH_TO_ADDRESS }
      ${ok}
  /v1/by-query:
    post:
      security: [{ query_key: [] }]
      x-google-backend: { address: 'mlaas://echo' }
      ${ok}
`);
    expect(p.delegated).toEqual([]);
    expect(p.native.map((o) => [o.index, o.keys, o.append, o.prefix])).toEqual([
      [0, [], true, ''],
      [1, [{ in: 'query', name: 'key' }], false, '/'],
    ]);
  });

  it('leaves every operation it cannot decide by lookups to the TypeScript gateway, saying why', () => {
    const p = plan(`
  /v1/items/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, type: string }]
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
  /v1/tagged:
    post:
      x-google-backend: { address: 'mlaas://spam@canary' }
      ${ok}
  /v1/outside:
    post:
      x-google-backend: { address: 'https://outside.example/predict' }
      ${ok}
  /v1/quota:
    post:
      x-google-backend: { address: 'mlaas://spam' }
      x-google-quota: { metricCosts: { reads: 1 } }
      ${ok}
  /v1/jwt:
    post:
      security: [{ jwt: [] }]
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
  /v1/anonymous-too:
    post:
      security: [{}, { api_key: [] }]
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
  /v1/either-key:
    post:
      security: [{ api_key: [] }, { other_key: [] }]
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
`);
    // Either of two keys is still a lookup: the first place where one is present is checked, as the TypeScript gateway does.
    expect(p.native.map((o) => [routeKeysOf(p, o)[0], o.keys])).toEqual([
      [
        'POST/v1/either-key',
        [
          { in: 'header', name: 'x-api-key' },
          { in: 'header', name: 'x-other-key' },
        ],
      ],
    ]);
    expect(Object.fromEntries(p.delegated.map((d) => [d.path, d.reason]))).toEqual({
      '/v1/items/{id}': 'CONSTANT_ADDRESS with path variables (they go to the query)',
      '/v1/tagged': 'a tagged address (@TAG)',
      '/v1/outside': 'an outside backend',
      '/v1/quota': 'a document quota (x-google-quota)',
      '/v1/jwt': 'JWT authentication',
      '/v1/anonymous-too': 'security that also admits anonymous callers',
    });
  });

  it('answers HEAD with a path’s GET only where the path has no HEAD operation of its own', () => {
    const p = plan(`
  /v1/plain:
    get:
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
  /v1/own-head:
    get:
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
    head:
      x-google-backend: { address: 'mlaas://echo' }
      ${ok}
`);
    const keysOf = (path: string) => p.native.filter((o) => routeKeysOf(p, o).some((k) => k.endsWith(path))).map((o) => [o.service, routeKeysOf(p, o).sort()]);
    expect(keysOf('/v1/plain')).toEqual([['spam', ['GET/v1/plain', 'GET/v1/plain/', 'HEAD/v1/plain', 'HEAD/v1/plain/']]]);
    expect(keysOf('/v1/own-head').sort()).toEqual([
      ['echo', ['HEAD/v1/own-head', 'HEAD/v1/own-head/']],
      ['spam', ['GET/v1/own-head', 'GET/v1/own-head/']],
    ]);
  });

  it('gives a method and path to the first operation declaring it, as the route table does', () => {
    // One document cannot repeat a route (the loader refuses it), so the repeat comes from a second one.
    const first = operationsOf(`
  /v1/dup:
    post:
      x-google-backend: { address: 'mlaas://first' }
      ${ok}
`);
    const second = operationsOf(`
  /v1/dup:
    post:
      x-google-backend: { address: 'mlaas://second' }
      ${ok}
`);
    const p = planOperations([...first, ...second]);
    expect(p.native.map((o) => [o.index, o.service, routeKeysOf(p, o)])).toEqual([[0, 'first', ['POST/v1/dup', 'POST/v1/dup/']]]);
    expect(p.delegated).toEqual([]);
  });

  it('lists the key headers and key query parameters of the whole document, delegated operations included', () => {
    const p = plan(`
  /v1/native:
    post:
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
  /v1/templated/{id}:
    post:
      parameters: [{ name: id, in: path, required: true, type: string }]
      security: [{ query_key: [] }, { other_key: [] }]
      x-google-backend: { address: 'mlaas://spam' }
      ${ok}
`);
    expect(delegatedReason(p, 'POST', '/v1/templated/{id}')).toBe('CONSTANT_ADDRESS with path variables (they go to the query)');
    expect(p.keyHeaders).toEqual(['x-api-key', 'x-other-key']);
    expect(p.keyQueryParams).toEqual(['key']);
  });
});

/** The `METHOD/path` forms of exact paths the plan gives this native operation. */
function routeKeysOf(p: OperationPlan, op: NativeOperation): string[] {
  return [...p.exact].filter(([, n]) => n === op).map(([k]) => k);
}

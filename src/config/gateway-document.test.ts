import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { MlaasError } from '../errors.js';
import { parseGatewayDocument } from './gateway-document.js';

/** The seed article's path element, verbatim apart from the backend address. */
const ARTICLE = `
swagger: '2.0'
info: { title: ml-api, version: 1.0.0 }
schemes: [https]
produces: [application/json]
securityDefinitions:
  api_key: { type: apiKey, name: key, in: query }
paths:
  /v1/service-1/endpoint-1:
    post:
      produces: [application/json]
      security:
        - api_key: []
      x-google-backend:
        address: mlaas://spam-filter/predict
      tags: [Service 1 tag]
      summary: Get results from service 1
      operationId: ServiceId
      responses:
        '200':
          description: A successful response
          "schema": {}
`;

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    expect((err as MlaasError).code).toBe('GATEWAY_DOC_INVALID');
    return (err as MlaasError).errors ?? [];
  }
  throw new Error('expected GATEWAY_DOC_INVALID');
}

function doc(paths: Record<string, unknown>, top: Record<string, unknown> = {}): unknown {
  return {
    swagger: '2.0',
    info: { title: 't', version: '1' },
    securityDefinitions: {
      api_key: { type: 'apiKey', name: 'key', in: 'query' },
      api_key_header: { type: 'apiKey', name: 'X-API-Key', in: 'header' },
    },
    ...top,
    paths,
  };
}

const ok = { responses: { '200': { description: 'ok' } } };

describe('the article’s gateway document', () => {
  it('yields one POST operation on the service with the query API key, a constant address and a 15 s deadline', () => {
    const gateway = parseGatewayDocument(parse(ARTICLE), { services: new Set(['spam-filter']) });
    expect(gateway).toEqual({
      title: 'ml-api',
      operations: [
        {
          path: '/v1/service-1/endpoint-1',
          method: 'POST',
          operationId: 'ServiceId',
          security: [[{ name: 'api_key', type: 'apiKey', in: 'query', keyName: 'key' }]],
          apiKeySchemes: [{ name: 'api_key', type: 'apiKey', in: 'query', keyName: 'key' }],
          backend: { kind: 'service', service: 'spam-filter', path: '/predict' },
          pathTranslation: 'CONSTANT_ADDRESS',
          deadlineMs: 15_000,
          configPath: 'paths./v1/service-1/endpoint-1.post',
          backendAudience: 'mlaas://spam-filter',
        },
      ],
    });
  });
});

describe('x-google-backend', () => {
  it('applies a top-level backend to every operation with APPEND_PATH_TO_ADDRESS, as Google does', () => {
    const gateway = parseGatewayDocument(
      doc({ '/a': { get: ok, post: ok } }, { 'x-google-backend': { address: 'https://api.example.com/base/', deadline: 2.5 } }),
    );
    expect(gateway.operations.map((o) => [o.method, o.path, o.backend, o.pathTranslation, o.deadlineMs])).toEqual([
      ['GET', '/a', { kind: 'url', url: 'https://api.example.com/base' }, 'APPEND_PATH_TO_ADDRESS', 2500],
      ['POST', '/a', { kind: 'url', url: 'https://api.example.com/base' }, 'APPEND_PATH_TO_ADDRESS', 2500],
    ]);
  });

  it('lets an operation override the top-level backend, and reads tags, explicit translation and kept fields', () => {
    const gateway = parseGatewayDocument(
      doc(
        {
          '/a': {
            post: {
              ...ok,
              'x-google-backend': {
                address: 'mlaas://spam-filter@canary',
                path_translation: 'APPEND_PATH_TO_ADDRESS',
                disable_auth: true,
                protocol: 'http/1.1',
              },
            },
          },
          '/b': { get: ok },
        },
        { 'x-google-backend': { address: 'http://127.0.0.1:9000' } },
      ),
    );
    const [a, b] = gateway.operations;
    expect(a).toMatchObject({
      backend: { kind: 'service', service: 'spam-filter', tag: 'canary', path: '' },
      pathTranslation: 'APPEND_PATH_TO_ADDRESS',
      deadlineMs: 15_000,
      protocol: 'http/1.1',
    });
    expect(a?.backendAudience).toBeUndefined();
    expect(b).toMatchObject({ backend: { kind: 'url', url: 'http://127.0.0.1:9000' }, pathTranslation: 'APPEND_PATH_TO_ADDRESS' });
  });

  it('prefixes basePath to every path', () => {
    const gateway = parseGatewayDocument(
      doc({ '/users/{id}': { get: ok } }, { basePath: '/api/', 'x-google-backend': { address: 'mlaas://users' } }),
    );
    expect(gateway.operations[0]?.path).toBe('/api/users/{id}');
  });

  it('reports an address naming a service mlaas.yaml does not define, at that address', () => {
    const issues = issuesOf(() =>
      parseGatewayDocument(doc({ '/v1/x': { post: { ...ok, 'x-google-backend': { address: 'mlaas://spam/predict' } } } }), {
        services: new Set(['spam-filter']),
      }),
    );
    expect(issues).toEqual([
      {
        path: 'paths./v1/x.post.x-google-backend.address',
        message: 'unknown service "spam" (services in mlaas.yaml: spam-filter)',
      },
    ]);
  });

  it('rejects other schemes, bad translations, non-positive deadlines, unknown keys and a missing backend — all at once', () => {
    const issues = issuesOf(() =>
      parseGatewayDocument(
        doc({
          '/a': { get: { ...ok, 'x-google-backend': { address: 'grpc://svc:50051' } } },
          '/b': { get: { ...ok, 'x-google-backend': { address: 'mlaas://Bad_Name' } } },
          '/c': { get: { ...ok, 'x-google-backend': { address: 'http://x', path_translation: 'APPEND', deadline: 0, dedline: 3 } } },
          '/d': { get: ok },
        }),
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'paths./a.get.x-google-backend.address',
      'paths./b.get.x-google-backend.address',
      'paths./c.get.x-google-backend.path_translation',
      'paths./c.get.x-google-backend.deadline',
      'paths./c.get.x-google-backend.dedline',
      'paths./d.get.x-google-backend',
    ]);
    expect(issues[0]?.message).toBe('expected mlaas://SERVICE[@TAG][/PATH] or an http(s):// URL, got "grpc://svc:50051"');
    expect(issues[2]?.message).toBe('expected one of "APPEND_PATH_TO_ADDRESS", "CONSTANT_ADDRESS", got "APPEND"');
    expect(issues[3]?.message).toBe('expected number > 0, got 0');
    expect(issues[4]?.message).toMatch(/^unknown key; expected one of: address, path_translation, deadline/);
  });
});

describe('security', () => {
  const backend = { 'x-google-backend': { address: 'mlaas://svc' } };

  it('uses the top-level requirement by default, lets an operation override it, and `security: []` means no key', () => {
    const gateway = parseGatewayDocument(
      doc(
        {
          '/default': { get: ok },
          '/either': { get: { ...ok, security: [{ api_key: [] }, { api_key_header: [] }] } },
          '/open': { get: { ...ok, security: [] } },
        },
        { ...backend, security: [{ api_key_header: [] }] },
      ),
    );
    const query = { name: 'api_key', type: 'apiKey', in: 'query', keyName: 'key' };
    const header = { name: 'api_key_header', type: 'apiKey', in: 'header', keyName: 'x-api-key' };
    expect(gateway.operations.map((o) => o.security)).toEqual([[[header]], [[query], [header]], []]);
    // Where a caller may put a key, so that it can be stripped even where no key is checked.
    expect(gateway.operations.map((o) => o.apiKeySchemes)).toEqual([[query, header], [query, header], [query, header]]);
  });

  it('reports a requirement naming an undefined scheme and unsupported scheme types', () => {
    const issues = issuesOf(() =>
      parseGatewayDocument({
        swagger: '2.0',
        info: { title: 't', version: '1' },
        ...backend,
        securityDefinitions: {
          api_key: { type: 'apiKey', name: 'key', in: 'query' },
          basic: { type: 'basic' },
          plain_oauth: { type: 'oauth2', flow: 'implicit', authorizationUrl: 'https://x' },
        },
        paths: { '/a': { get: { ...ok, security: [{ apikey: [] }, { basic: [] }] } } },
      }),
    );
    expect(issues).toEqual([
      {
        path: 'securityDefinitions.basic.type',
        message:
          'unsupported security scheme: expected apiKey (in header or query) or oauth2 with x-google-issuer (JWT), got "basic"',
      },
      {
        path: 'securityDefinitions.plain_oauth.type',
        message:
          'unsupported security scheme: expected apiKey (in header or query) or oauth2 with x-google-issuer (JWT), got "oauth2"',
      },
      {
        path: 'paths./a.get.security[0].apikey',
        message: 'undefined security scheme (securityDefinitions has: api_key, basic, plain_oauth)',
      },
    ]);
  });

  it('keeps Google’s JWT form (oauth2 with x-google-issuer) as a jwt scheme', () => {
    const gateway = parseGatewayDocument({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      ...backend,
      securityDefinitions: {
        firebase: {
          type: 'oauth2',
          flow: 'implicit',
          authorizationUrl: '',
          'x-google-issuer': 'https://securetoken.google.com/my-project',
          'x-google-jwks_uri': 'https://www.googleapis.com/service_accounts/v1/metadata/x509/securetoken@system.gserviceaccount.com',
          'x-google-audiences': 'my-project, other',
        },
      },
      security: [{ firebase: [] }],
      paths: { '/a': { get: ok } },
    });
    expect(gateway.operations[0]?.security).toEqual([
      [
        {
          name: 'firebase',
          type: 'jwt',
          issuer: 'https://securetoken.google.com/my-project',
          jwksUri: 'https://www.googleapis.com/service_accounts/v1/metadata/x509/securetoken@system.gserviceaccount.com',
          audiences: ['my-project', 'other'],
          locations: [
            { in: 'header', name: 'authorization', valuePrefix: 'Bearer ' },
            { in: 'header', name: 'x-goog-iap-jwt-assertion', valuePrefix: '' },
            { in: 'query', name: 'access_token' },
          ],
          tenantClaim: 'sub',
        },
      ],
    ]);
  });

  it('takes the tenant from the claim x-mlaas-tenant-claim names', () => {
    const gateway = parseGatewayDocument({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      ...backend,
      securityDefinitions: {
        backend_jwt: { type: 'oauth2', 'x-google-issuer': 'https://issuer', 'x-google-jwks_uri': 'jwks.json', 'x-mlaas-tenant-claim': 'org' },
      },
      security: [{ backend_jwt: [] }],
      paths: { '/a': { get: ok } },
    });
    expect(gateway.operations[0]?.security[0]?.[0]).toMatchObject({ type: 'jwt', jwksUri: 'jwks.json', audiences: [], tenantClaim: 'org' });
  });
});

it('refuses an OpenAPI 3 document, which Google API Gateway would read differently', () => {
  const issues = issuesOf(() => parseGatewayDocument({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths: {} }));
  expect(issues[0]).toEqual({ path: 'swagger', message: 'expected "2.0" (Google API Gateway reads OpenAPI 2.0), got nothing' });
});

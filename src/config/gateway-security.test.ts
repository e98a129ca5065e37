// `security` requirements as the gateway document declares them: what Google's tooling refuses is refused here, by path.
import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { parseGatewayDocument } from './gateway-document.js';

const jwtDefinition = (issuer: string) => ({ type: 'oauth2', flow: 'implicit', authorizationUrl: '', 'x-google-issuer': issuer, 'x-google-jwks_uri': 'jwks.json' });

function documentWith(security: unknown): unknown {
  return {
    swagger: '2.0',
    info: { title: 't', version: '1' },
    'x-google-backend': { address: 'mlaas://svc' },
    securityDefinitions: {
      api_key: { type: 'apiKey', name: 'key', in: 'query' },
      api_key_header: { type: 'apiKey', name: 'X-API-Key', in: 'header' },
      auth0: jwtDefinition('https://tenant.auth0.com/'),
      firebase: jwtDefinition('https://securetoken.google.com/p'),
    },
    paths: { '/a': { get: { security, responses: { '200': { description: 'ok' } } } } },
  };
}

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseGatewayDocument(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    return (err as MlaasError).errors ?? [];
  }
  return [];
}

describe('security requirements', () => {
  it('keeps a JWT ANDed with an API key as one requirement, and alternatives as separate ones', () => {
    const [op] = parseGatewayDocument(documentWith([{ auth0: [], api_key: [] }, { firebase: [] }, {}])).operations;
    expect(op?.security.map((requirement) => requirement.map((s) => s.name))).toEqual([['auth0', 'api_key'], ['firebase'], []]);
  });

  it('refuses two JWT schemes in one requirement, as Google’s compiler does', () => {
    expect(issuesOf(documentWith([{ auth0: [], firebase: [] }]))).toEqual([
      {
        path: 'paths./a.get.security[0].firebase',
        message:
          "one requirement names two JWT schemes (auth0 and firebase), which Google's ESP and ESPv2 refuse: list them as separate requirements (either token then passes)",
      },
    ]);
  });

  it('refuses two API-key schemes in one requirement: ESPv2 reads one key per request', () => {
    expect(issuesOf(documentWith([{ api_key: [], api_key_header: [] }]))).toEqual([
      {
        path: 'paths./a.get.security[0].api_key_header',
        message:
          'one requirement names two API-key schemes (api_key and api_key_header); ESP and ESPv2 read one API key per request: name one of them, or list them as separate requirements',
      },
    ]);
  });
});

describe('x-google-jwt-locations', () => {
  const withLocations = (locations: unknown) => {
    const raw = documentWith([{ auth0: [] }]) as { securityDefinitions: Record<string, Record<string, unknown>> };
    raw.securityDefinitions['auth0']!['x-google-jwt-locations'] = locations;
    return raw;
  };

  it('reads header (lower-cased, with value_prefix) and query locations in order', () => {
    const [op] = parseGatewayDocument(withLocations([{ header: 'X-Jwt', value_prefix: 'Token ' }, { header: 'X-Raw' }, { query: 'jwt' }])).operations;
    expect(op?.security[0]?.[0]).toMatchObject({
      locations: [
        { in: 'header', name: 'x-jwt', valuePrefix: 'Token ' },
        { in: 'header', name: 'x-raw', valuePrefix: '' },
        { in: 'query', name: 'jwt' },
      ],
    });
  });

  it('uses Google’s defaults without the extension', () => {
    const [op] = parseGatewayDocument(documentWith([{ auth0: [] }])).operations;
    expect(op?.security[0]?.[0]).toMatchObject({
      locations: [
        { in: 'header', name: 'authorization', valuePrefix: 'Bearer ' },
        { in: 'header', name: 'x-goog-iap-jwt-assertion', valuePrefix: '' },
        { in: 'query', name: 'access_token' },
      ],
    });
  });

  it('refuses what ESPv2 would not read, by path', () => {
    const at = 'securityDefinitions.auth0.x-google-jwt-locations';
    expect(issuesOf(withLocations([{ cookie: 'jwt' }, { query: 'jwt', value_prefix: 'x' }, { header: 'a', query: 'b' }, { header: '' }]))).toEqual([
      { path: `${at}[0].cookie`, message: 'unsupported JWT location field: mlaas reads header (with value_prefix) and query locations, as ESPv2 does' },
      { path: `${at}[1].value_prefix`, message: 'value_prefix applies to a header location only' },
      { path: `${at}[2]`, message: 'expected exactly one of header or query' },
      { path: `${at}[3].header`, message: 'expected a header name, got ""' },
    ]);
    expect(issuesOf(withLocations([]))).toEqual([
      { path: at, message: 'expected a list of at least one { header[, value_prefix] } or { query }, got a list of 0' },
    ]);
  });
});

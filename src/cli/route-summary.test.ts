import { describe, expect, it } from 'vitest';
import { parseGatewayDocument } from '../config/index.js';
import { routeLines, tryLines } from './route-summary.js';

const document = (paths: Record<string, unknown>) =>
  parseGatewayDocument(
    {
      swagger: '2.0',
      info: { title: 't', version: '1' },
      securityDefinitions: { api_key: { type: 'apiKey', name: 'key', in: 'query' }, header_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
      paths,
    },
    { services: new Set(['hello', 'clf']) },
  ).operations;

const backend = (address: string) => ({ 'x-google-backend': { address }, responses: {} });

describe("mlaas up's route summary", () => {
  it('lists every route of the document it started, with its backend', () => {
    const ops = document({
      '/v1/hello/predict': { post: { ...backend('mlaas://hello/predict'), security: [{ header_key: [] }] } },
      '/v2/models/{m}/infer': { post: { ...backend('mlaas://clf@canary'), parameters: [{ name: 'm', in: 'path', required: true, type: 'string' }] } },
      '/ext': { get: backend('https://example.com/x') },
    });
    expect(routeLines(ops)).toEqual([
      '  route     POST /v1/hello/predict → hello',
      '  route     POST /v2/models/{m}/infer → clf@canary',
      '  route     GET /ext → https://example.com/x',
    ]);
  });

  it('tries the first platform route without a path parameter, with the key where its security wants it', () => {
    const query = document({ '/v1/hello/predict': { post: { ...backend('mlaas://hello/predict'), security: [{ api_key: [] }] } } });
    expect(tryLines('http://gw', query, 'mlk_k').join('\n')).toContain("curl -s 'http://gw/v1/hello/predict?key=mlk_k' \\");
    const header = document({ '/v1/hello/predict': { post: { ...backend('mlaas://hello/predict'), security: [{ header_key: [] }] } } });
    expect(tryLines('http://gw', header, 'mlk_k').join('\n')).toContain("curl -s 'http://gw/v1/hello/predict' -H 'x-api-key: mlk_k'");
    // A route that needs a key, and no demo key to show: nothing to try.
    expect(tryLines('http://gw', header, undefined)).toEqual([]);
  });
});

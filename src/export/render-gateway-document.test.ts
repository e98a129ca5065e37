import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseGatewayDocument } from '../config/index.js';
import { validateSwagger } from '../config/validate-swagger.js';
import { MlaasError } from '../errors.js';
import { CLOUDRUN, exportInputFrom, KNATIVE } from '../../test/export-input.js';
import { thrownIssues } from '../../test/thrown-issues.js';
import type { ExportInput, ExportOptions } from './export-types.js';
import { renderGatewayDocument } from './render-gateway-document.js';
import { parseUrlMap } from './url-map.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEMO = path.join(ROOT, 'mlaas.yaml');
const FIXTURE = path.join(ROOT, 'test/fixtures/export-gateway/mlaas.yaml');
const RUN = (service: string) => `https://${service}-\${_HASH}-\${_REGION_CODE}.a.run.app`;

/** The value at `keys` in a parsed document. */
const at = (value: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

function rendered(input: ExportInput, options: ExportOptions, urls?: ReturnType<typeof parseUrlMap>): { text: string; doc: Record<string, unknown> } {
  const { files } = renderGatewayDocument(input, options, urls);
  expect(files.map((f) => f.path)).toEqual([input.documentName]);
  const text = files[0]?.content as string;
  return { text, doc: parse(text) as Record<string, unknown> };
}

/** What Google and mlaas do with each operation besides where it goes: must not change in the rewrite. */
function meaning(doc: unknown) {
  return parseGatewayDocument(doc).operations.map(({ path: p, method, pathTranslation, deadlineMs, security, quota, protocol }) => ({
    p,
    method,
    pathTranslation,
    deadlineMs,
    security: security.map((r) => r.map((s) => s.name)),
    quota,
    protocol,
  }));
}

describe('renderGatewayDocument', () => {
  it.each([
    ['knative', KNATIVE],
    ['cloudrun', CLOUDRUN],
  ])('rewrites the demo for %s into a valid Swagger 2.0 document with the same routes, deadlines and security', async (_, options) => {
    const input = await exportInputFrom(DEMO);
    const { doc } = rendered(input, options);
    expect(await validateSwagger(doc)).toEqual([]);
    expect(meaning(doc)).toEqual(meaning(input.documentSource));
    const base = (s: string) => (options.target === 'knative' ? `http://${s}.ml.svc.cluster.local` : RUN(s));
    expect(at(doc, 'paths', '/v1/spam-filter/predict', 'post', 'x-google-backend')).toEqual({ address: `${base('spam-filter')}/predict`, deadline: 10 });
    expect(at(doc, 'paths', '/v2/models/{model}/infer', 'post', 'x-google-backend')).toEqual({
      address: base('inference'),
      path_translation: 'APPEND_PATH_TO_ADDRESS',
      deadline: 10,
    });
    expect(at(doc, 'securityDefinitions')).toEqual(input.documentSource.securityDefinitions);
    expect(JSON.stringify(doc)).not.toContain('mlaas://');
  });

  it('points tags at Knative tag URLs and keeps each path translation as Google defaults it', async () => {
    const input = await exportInputFrom(FIXTURE);
    const { doc } = rendered(input, KNATIVE);
    expect(await validateSwagger(doc)).toEqual([]);
    expect(meaning(doc)).toEqual(meaning(input.documentSource));
    expect(at(doc, 'x-google-backend')).toEqual({ address: 'http://scorer.ml.svc.cluster.local/api' });
    expect(at(doc, 'paths', '/v1/items/{id}', 'get', 'x-google-backend')).toEqual({ address: 'http://canary-scorer.ml.svc.cluster.local/items', deadline: 5 });
    expect(at(doc, 'paths', '/v1/canary/{rest=**}', 'post', 'x-google-backend')).toEqual({
      address: 'http://canary-scorer.ml.svc.cluster.local',
      path_translation: 'APPEND_PATH_TO_ADDRESS',
      jwt_audience: 'http://scorer.ml.svc.cluster.local',
    });
  });

  it('gives Cloud Run tag URLs the service URL as audience, keeps disable_auth, quotas and outside backends', async () => {
    const input = await exportInputFrom(FIXTURE);
    const { doc } = rendered(input, CLOUDRUN);
    expect(await validateSwagger(doc)).toEqual([]);
    expect(meaning(doc)).toEqual(meaning(input.documentSource));
    expect(at(doc, 'x-google-backend')).toEqual({ address: `${RUN('scorer')}/api` });
    expect(at(doc, 'paths', '/v1/items/{id}', 'get', 'x-google-backend')).toEqual({
      address: `https://canary---scorer-\${_HASH}-\${_REGION_CODE}.a.run.app/items`,
      deadline: 5,
      jwt_audience: RUN('scorer'),
    });
    expect(at(doc, 'paths', '/v1/open', 'get', 'x-google-backend')).toEqual({
      address: `${RUN('scorer')}/health`,
      path_translation: 'CONSTANT_ADDRESS',
      disable_auth: true,
    });
    expect(at(doc, 'paths', '/v1/outside', 'get', 'x-google-backend')).toEqual({ address: 'https://example.com/x' });
    expect(at(doc, 'x-google-management')).toEqual(input.documentSource['x-google-management']);
    expect(at(doc, 'paths', '/v1/score', 'post', 'x-google-quota')).toEqual({ metricCosts: { predictions: 1 } });
    // Google does not read mlaas's own extension; the rest of the JWT definition stays.
    expect(at(doc, 'securityDefinitions', 'auth0', 'x-mlaas-tenant-claim')).toBeUndefined();
    expect(at(doc, 'securityDefinitions', 'auth0', 'x-google-issuer')).toBe('https://issuer.example.com/');
    // Written as the substituted source read: `$$` in the file was one `$`.
    expect(at(doc, 'info', 'description')).toBe('Costs $5 per call');
  });

  it('puts the url map’s URLs in, making tag URLs from a run.app service URL', async () => {
    const input = await exportInputFrom(FIXTURE);
    const urls = parseUrlMap('scorer: https://scorer-abc123-ew.a.run.app/\n', 'urls.yaml');
    const { doc } = rendered(input, CLOUDRUN, urls);
    expect(await validateSwagger(doc)).toEqual([]);
    expect(at(doc, 'x-google-backend', 'address')).toBe('https://scorer-abc123-ew.a.run.app/api');
    expect(at(doc, 'paths', '/v1/items/{id}', 'get', 'x-google-backend')).toMatchObject({
      address: 'https://canary---scorer-abc123-ew.a.run.app/items',
      jwt_audience: 'https://scorer-abc123-ew.a.run.app',
    });
    const json = parseUrlMap('{"scorer": "https://api.example.com/scorer", "scorer@canary": "https://canary.example.com"}', 'urls.json');
    const custom = rendered(input, CLOUDRUN, json).doc;
    expect(at(custom, 'x-google-backend', 'address')).toBe('https://api.example.com/scorer/api');
    expect(at(custom, 'paths', '/v1/canary/{rest=**}', 'post', 'x-google-backend', 'address')).toBe('https://canary.example.com');
  });

  it('refuses a url map that lacks an address the document uses, naming each', async () => {
    const input = await exportInputFrom(FIXTURE);
    const urls = parseUrlMap('scorer: https://scorer.example.com\n', 'urls.yaml');
    expect(() => renderGatewayDocument(input, CLOUDRUN, urls, { urlMapFile: 'urls.yaml' })).toThrow(MlaasError);
    expect(thrownIssues(() => renderGatewayDocument(input, CLOUDRUN, urls))).toEqual([
      'scorer@canary: no URL for scorer@canary, which api-gateway.yaml uses at paths./v1/items/{id}.get.x-google-backend.address',
      'scorer@canary: no URL for scorer@canary, which api-gateway.yaml uses at paths./v1/canary/{rest=**}.post.x-google-backend.address',
    ]);
  });

  it('reads url maps strictly', () => {
    expect(thrownIssues(() => parseUrlMap('Scorer: https://x.example.com\nscorer@canary: ftp://x\nok: https://x.example.com/?q=1\n', 'u.yaml'))).toEqual([
      'Scorer: expected SERVICE or SERVICE@TAG (DNS labels), got "Scorer"',
      'scorer@canary: expected an http(s):// URL, got "ftp://x"',
      'ok: expected a URL without query, fragment or credentials, got "https://x.example.com/?q=1"',
    ]);
  });

  it('gives the same bytes for the same input', async () => {
    for (const options of [KNATIVE, CLOUDRUN]) {
      const first = rendered(await exportInputFrom(FIXTURE), options).text;
      const second = rendered(await exportInputFrom(FIXTURE), options).text;
      expect(second).toBe(first);
    }
  });
});

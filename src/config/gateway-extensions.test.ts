/**
 * The gateway document's Google extensions and path keys as mlaas reads
 * them at load (the Swagger check included): what each produces, and every
 * refusal with its field path and a sentence.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MlaasError } from '../errors.js';
import { loadGatewayDocument } from './load-gateway-document.js';
import type { GatewayDocument } from './gateway-document.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-gw-ext-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(doc: Record<string, unknown>): string {
  const file = path.join(dir, `doc-${++n}.yaml`);
  writeFileSync(file, stringify({ swagger: '2.0', info: { title: 't', version: '1' }, ...doc }));
  return file;
}

const load = (doc: Record<string, unknown>): Promise<GatewayDocument> => loadGatewayDocument(write(doc));

async function issues(doc: Record<string, unknown>): Promise<{ path: string; message: string }[]> {
  try {
    await load(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    expect((err as MlaasError).code).toBe('GATEWAY_DOC_INVALID');
    return (err as MlaasError).errors ?? [];
  }
  throw new Error('expected GATEWAY_DOC_INVALID');
}

const backend = { address: 'https://backend.example/api' };
const ok = { responses: { '200': { description: 'ok' } } };
const pathParam = (name: string) => ({ name, in: 'path', required: true, type: 'string' });

describe('path templates at load', () => {
  it('loads {var=*} and {var=**} with their path parameters declared as Swagger wants', async () => {
    const doc = await load({
      paths: {
        '/v1/shelves/{shelf=*}': { get: { ...ok, parameters: [pathParam('shelf')], 'x-google-backend': backend } },
        '/v1/files/{path=**}': { get: { ...ok, parameters: [pathParam('path')], 'x-google-backend': backend } },
      },
    });
    expect(doc.operations.map((o) => o.path)).toEqual(['/v1/shelves/{shelf=*}', '/v1/files/{path=**}']);
  });

  it('reports a missing path parameter under the document’s own key', async () => {
    expect(await issues({ paths: { '/v1/files/{path=**}': { get: { ...ok, 'x-google-backend': backend } } } })).toEqual([
      { path: 'paths./v1/files/{path=**}.get', message: 'is missing path parameter(s) for {path}' },
    ]);
  });

  it('refuses a template mlaas does not serve by its path key', async () => {
    expect(await issues({ paths: { '/v1/{name=shelves/*}': { get: { ...ok, 'x-google-backend': backend } } } })).toEqual([
      expect.objectContaining({ path: 'paths./v1/{name=shelves/*}', message: expect.stringMatching(/not multi-segment or literal bindings/) }),
    ]);
  });

  it('refuses two operations on one route, naming the first', async () => {
    const found = await issues({
      paths: {
        '/a/{x}': { get: { ...ok, parameters: [pathParam('x')], 'x-google-backend': backend } },
        '/a/{y}': { get: { ...ok, parameters: [pathParam('y')], 'x-google-backend': backend } },
      },
    });
    expect(found).toEqual([{ path: 'paths./a/{y}.get', message: expect.stringMatching(/^the same route as paths\.\/a\/\{x\}\.get/) }]);
  });
});

describe('x-google-allow', () => {
  it('all: adds GET, DELETE, PATCH, POST and PUT on every path to the top-level backend, without authentication', async () => {
    const doc = await load({
      'x-google-allow': 'all',
      'x-google-backend': backend,
      securityDefinitions: { api_key: { type: 'apiKey', name: 'key', in: 'query' } },
      security: [{ api_key: [] }],
      paths: { '/v1/listed': { get: ok } },
    });
    const unlisted = doc.operations.filter((o) => o.configPath === 'x-google-allow');
    expect(unlisted.map((o) => o.method)).toEqual(['GET', 'DELETE', 'PATCH', 'POST', 'PUT']);
    expect(unlisted[0]).toMatchObject({
      path: '/**',
      security: [],
      backend: { kind: 'url', url: 'https://backend.example/api' },
      pathTranslation: 'APPEND_PATH_TO_ADDRESS',
    });
  });

  it('configured (the default) adds nothing', async () => {
    const doc = await load({ 'x-google-allow': 'configured', 'x-google-backend': backend, paths: { '/v1/listed': { get: ok } } });
    expect(doc.operations).toHaveLength(1);
  });

  it('refuses all without a top-level backend, and any other value', async () => {
    expect(await issues({ 'x-google-allow': 'all', paths: { '/v1/x': { get: { ...ok, 'x-google-backend': backend } } } })).toEqual([
      { path: 'x-google-allow', message: expect.stringMatching(/to the top-level x-google-backend, and the document has none/) },
    ]);
    expect(await issues({ 'x-google-allow': 'everything', 'x-google-backend': backend, paths: {} })).toEqual([
      { path: 'x-google-allow', message: 'expected "configured" or "all", got "everything"' },
    ]);
  });
});

describe('x-google-endpoints', () => {
  const paths = {
    '/v1/items/{id}': { get: { ...ok, parameters: [pathParam('id')], 'x-google-backend': backend }, post: { ...ok, parameters: [pathParam('id')] } },
    '/v1/both': { get: ok, options: { ...ok, 'x-google-backend': { address: 'https://cors.example' } } },
  };

  it('allowCors: adds an open OPTIONS operation to each route without one, to the backend of its first operation', async () => {
    const doc = await load({
      host: 'api.example',
      'x-google-endpoints': [{ name: 'api.example', allowCors: true }],
      'x-google-backend': { address: 'https://top.example' },
      paths,
    });
    const options = doc.operations.filter((o) => o.method === 'OPTIONS');
    expect(options).toHaveLength(2);
    expect(options).toContainEqual(
      expect.objectContaining({ path: '/v1/items/{id}', security: [], backend: { kind: 'url', url: 'https://backend.example/api' } }),
    );
    expect(options).toContainEqual(
      expect.objectContaining({ path: '/v1/both', configPath: 'paths./v1/both.options', backend: { kind: 'url', url: 'https://cors.example' } }),
    );
  });

  it('without allowCors adds nothing; target is accepted (a DNS record, nothing the gateway does)', async () => {
    const doc = await load({
      host: 'api.example',
      'x-google-endpoints': [{ name: 'api.example', target: '203.0.113.7' }],
      'x-google-backend': { address: 'https://top.example' },
      paths,
    });
    expect(doc.operations.filter((o) => o.method === 'OPTIONS')).toHaveLength(1);
  });

  it('refuses allowCors on an entry that does not name the host, and unknown keys', async () => {
    expect(
      await issues({ host: 'api.example', 'x-google-endpoints': [{ name: 'other.example', allowCors: true }], 'x-google-backend': backend, paths: {} }),
    ).toEqual([{ path: 'x-google-endpoints[0].name', message: expect.stringMatching(/names the API's host "api.example"/) }]);
    expect(await issues({ 'x-google-endpoints': [{ name: 'a', allowCORS: true }], 'x-google-backend': backend, paths: {} })).toEqual([
      expect.objectContaining({ path: 'x-google-endpoints[0].allowCORS' }),
    ]);
  });
});

describe('x-google-backend protocol', () => {
  it('reads h2 and http/1.1, refuses anything else', async () => {
    const doc = await load({ paths: { '/a': { get: { ...ok, 'x-google-backend': { ...backend, protocol: 'h2' } } } } });
    expect(doc.operations[0]?.protocol).toBe('h2');
    expect(await issues({ paths: { '/a': { get: { ...ok, 'x-google-backend': { ...backend, protocol: 'grpc' } } } } })).toEqual([
      expect.objectContaining({ path: 'paths./a.get.x-google-backend.protocol' }),
    ]);
  });

  it('refuses h2 to a platform service, saying why', async () => {
    const file = write({ paths: { '/a': { get: { ...ok, 'x-google-backend': { address: 'mlaas://echo', protocol: 'h2' } } } } });
    await expect(loadGatewayDocument(file, { services: new Set(['echo']) })).rejects.toMatchObject({
      errors: [{ path: 'paths./a.get.x-google-backend.protocol', message: expect.stringMatching(/platform service speaks HTTP\/1\.1/) }],
    });
  });
});

describe('extensions mlaas does not read', () => {
  it('refuses an unknown x-google-* or x-mlaas-* extension wherever it stands', async () => {
    const found = await issues({
      'x-google-backend': backend,
      'x-google-magic': true,
      'x-shared-item': { get: ok },
      info: { title: 't', version: '1', 'x-google-foo': 1 },
      securityDefinitions: { k: { type: 'apiKey', name: 'key', in: 'query', 'x-google-bar': 1 } },
      paths: {
        '/a': {
          'x-google-backend': backend,
          $ref: '#/x-shared-item',
          get: { ...ok, 'x-mlaas-shadow': 1, parameters: [{ name: 'q', in: 'query', type: 'string', 'x-google-baz': 1 }] },
        },
      },
    });
    expect(found.map((i) => i.path).sort()).toEqual(
      [
        'x-google-magic',
        'info.x-google-foo',
        'securityDefinitions.k.x-google-bar',
        'paths./a.x-google-backend',
        'paths./a.$ref',
        'paths./a.get.x-mlaas-shadow',
        'paths./a.get.parameters[0].x-google-baz',
      ].sort(),
    );
    expect(found.find((i) => i.path === 'x-google-magic')?.message).toMatch(/not an extension mlaas implements; it is refused rather than ignored/);
    expect(found.find((i) => i.path === 'paths./a.x-google-backend')?.message).toBe('x-google-backend is read at the top level and in an operation, not here');
  });

  it('passes other vendors’ extensions and the extensions other parts of mlaas read', async () => {
    const doc = await load({
      'x-google-backend': backend,
      'x-google-api-name': 'shelves',
      'x-google-management': { metrics: [] },
      'x-amazon-apigateway-cors': {},
      paths: { '/a': { get: { ...ok, 'x-google-quota': { metricCosts: {} }, 'x-internal': true } } },
    });
    expect(doc.operations).toHaveLength(1);
  });
});

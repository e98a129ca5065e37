import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { MlaasError } from '../errors.js';
import { loadConfig } from './load-config.js';
import { loadGatewayDocument } from './load-gateway-document.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

async function rejectionOf(promise: Promise<unknown>): Promise<MlaasError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MlaasError);
  return err as MlaasError;
}

const CONFIG = `
gateway: { document: gw/api-gateway.yaml }
services:
  spam-filter:
    source: svc
    command: [node, server.js]
    models: { classifier: spam@production }
models:
  seed: { spam: { file: svc/model.onnx, alias: production } }
`;

function gatewayWith(address: string, extra = ''): string {
  return `
swagger: '2.0'
info: { title: test-api, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: key, in: query }
paths:
  /v1/x:
    post:
      security: [{ api_key: [] }]
      x-google-backend: { address: '${address}' }
      responses: { '200': { description: ok } }
${extra}`;
}

describe('loadConfig', () => {
  it('loads mlaas.yaml and its gateway document, resolving paths against the config’s directory, not the cwd', async () => {
    fs.mkdirSync(path.join(dir, 'svc'));
    const file = write('mlaas.yaml', CONFIG);
    write('gw/api-gateway.yaml', gatewayWith('mlaas://spam-filter/predict'));

    const { config, gateway } = await loadConfig(path.relative(process.cwd(), file));

    expect(config.configPath).toBe(file);
    expect(config.gateway.document).toBe(path.join(dir, 'gw/api-gateway.yaml'));
    expect(config.stateDir).toBe(path.join(dir, '.mlaas'));
    expect(config.services['spam-filter']?.source).toBe(path.join(dir, 'svc'));
    expect(config.services['spam-filter']?.models.classifier).toBe('spam@production');
    expect(config.models.seed.spam?.file).toBe(path.join(dir, 'svc/model.onnx'));
    expect(gateway.title).toBe('test-api');
    expect(gateway.operations.map((o) => [o.method, o.path, o.backend])).toEqual([
      ['POST', '/v1/x', { kind: 'service', service: 'spam-filter', path: '/predict' }],
    ]);
  });

  it('reports a gateway address naming a service that mlaas.yaml does not define', async () => {
    fs.mkdirSync(path.join(dir, 'svc'));
    const file = write('mlaas.yaml', CONFIG);
    write('gw/api-gateway.yaml', gatewayWith('mlaas://spam-filtr/predict'));

    const err = await rejectionOf(loadConfig(file));
    expect(err.code).toBe('GATEWAY_DOC_INVALID');
    expect(err.errors).toEqual([
      { path: 'paths./v1/x.post.x-google-backend.address', message: 'unknown service "spam-filtr" (services in mlaas.yaml: spam-filter)' },
    ]);
  });

  it('reports a service source directory that does not exist', async () => {
    const file = write('mlaas.yaml', CONFIG);
    const err = await rejectionOf(loadConfig(file));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([
      { path: 'services.spam-filter.source', message: `expected a directory, found none at ${path.join(dir, 'svc')}` },
    ]);
  });

  it('answers CONFIG_NOT_FOUND with the absolute path for a missing mlaas.yaml or gateway document', async () => {
    const missing = await rejectionOf(loadConfig(path.join(dir, 'nope.yaml')));
    expect(missing.code).toBe('CONFIG_NOT_FOUND');
    expect(missing.message).toBe(`mlaas.yaml not found: ${path.join(dir, 'nope.yaml')}`);

    fs.mkdirSync(path.join(dir, 'svc'));
    const file = write('mlaas.yaml', CONFIG);
    const noGateway = await rejectionOf(loadConfig(file));
    expect(noGateway.code).toBe('CONFIG_NOT_FOUND');
    expect(noGateway.message).toBe(`gateway document not found: ${path.join(dir, 'gw/api-gateway.yaml')}`);
  });

  it('loads the repository’s demo mlaas.yaml and api-gateway.yaml', async () => {
    const { config, gateway } = await loadConfig(path.join(REPO_ROOT, 'mlaas.yaml'));
    expect(Object.keys(config.services)).toEqual(['spam-filter', 'inference']);
    expect(config.services['spam-filter']?.models.classifier).toBe('spam@production');
    expect(config.services.inference?.runtime).toBe('onnx');
    expect(config.models.seed.spam).toEqual({ file: path.join(REPO_ROOT, 'examples/spam-filter/model/spam.onnx'), alias: 'production' });
    expect(config.tenants.demo).toEqual({ displayName: 'Demo tenant', config: { spamThreshold: 0.5 }, demoKey: true, attributes: {} });
    expect(Object.keys(config.tenants)).toEqual(['demo', 'acme']);
    const query = { name: 'api_key', type: 'apiKey', in: 'query', keyName: 'key' };
    const header = { name: 'api_key_header', type: 'apiKey', in: 'header', keyName: 'x-api-key' };
    expect(gateway.operations.map((o) => [o.method, o.path, o.backend, o.pathTranslation, o.security])).toEqual([
      ['POST', '/v1/service-1/endpoint-1', { kind: 'service', service: 'spam-filter', path: '/predict' }, 'CONSTANT_ADDRESS', [[query], [header]]],
      ['POST', '/v1/spam-filter/predict', { kind: 'service', service: 'spam-filter', path: '/predict' }, 'CONSTANT_ADDRESS', [[query], [header]]],
      ['GET', '/v2/models/{model}', { kind: 'service', service: 'inference', path: '' }, 'APPEND_PATH_TO_ADDRESS', [[query], [header]]],
      ['POST', '/v2/models/{model}/infer', { kind: 'service', service: 'inference', path: '' }, 'APPEND_PATH_TO_ADDRESS', [[query], [header]]],
    ]);
  });

  it('loads the flags a `file:` names, relative to mlaas.yaml, and none when there is no `flags:`', async () => {
    fs.mkdirSync(path.join(dir, 'svc'));
    write('gw/api-gateway.yaml', gatewayWith('mlaas://spam-filter/predict'));
    write('flags/flags.json', JSON.stringify({ flags: { threshold: { state: 'ENABLED', variants: { low: 0.3, high: 0.7 }, defaultVariant: 'high' } } }));
    const withFlags = await loadConfig(write('mlaas.yaml', `${CONFIG}flags: { file: flags/flags.json }\n`));
    expect(withFlags.flags?.evaluateAll({ targetingKey: 'acme' })).toEqual({ threshold: 0.7 });
    expect((await loadConfig(write('mlaas.yaml', CONFIG))).flags).toBeUndefined();
  });
});

describe('loadGatewayDocument', () => {
  it('reports Swagger 2.0 schema violations with dotted paths, next to mlaas’s own findings', async () => {
    const file = write(
      'gw.yaml',
      `
swagger: '2.0'
info: { title: t }
paths:
  /v1/x:
    post:
      x-google-backend: { address: 'ftp://x' }
      responses: { '200': { schema: {} } }
`,
    );
    const err = await rejectionOf(loadGatewayDocument(file));
    expect(err.code).toBe('GATEWAY_DOC_INVALID');
    expect(err.errors).toEqual([
      { path: 'info.version', message: 'required, got nothing' },
      { path: 'paths./v1/x.post.responses.200.description', message: 'required, got nothing' },
      {
        path: 'paths./v1/x.post.x-google-backend.address',
        message: 'expected mlaas://SERVICE[@TAG][/PATH] or an http(s):// URL, got "ftp://x"',
      },
    ]);
  });

  it('reports Swagger spec-rule violations at the operation they concern', async () => {
    const file = write('gw.yaml', gatewayWith('https://api.example.com', '  /v1/users/{id}:\n    get:\n      x-google-backend: { address: "https://api.example.com" }\n      responses: { "200": { description: ok } }\n'));
    const err = await rejectionOf(loadGatewayDocument(file));
    expect(err.errors).toEqual([{ path: 'paths./v1/users/{id}.get', message: 'is missing path parameter(s) for {id}' }]);
  });

  it('gives the line of a YAML syntax error in the gateway document', async () => {
    const file = write('gw.yaml', "swagger: '2.0'\npaths:\n  /v1/x: { post: [ }\n");
    const err = await rejectionOf(loadGatewayDocument(file));
    expect(err.code).toBe('GATEWAY_DOC_INVALID');
    expect(err.errors?.[0]?.message).toMatch(/^YAML syntax error at line 3, column \d+: /);
  });
});

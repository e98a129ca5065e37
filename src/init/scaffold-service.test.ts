import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { scaffoldService } from './scaffold-service.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-init-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const project = (): string => fs.mkdtempSync(path.join(root, 'p-'));
const model = path.join(root, 'm.onnx');
// scaffoldService copies the bytes; only `mlaas up` reads them as ONNX.
fs.writeFileSync(model, 'onnx bytes');

describe('mlaas init', () => {
  it('creates mlaas.yaml and the gateway document that load, with the service, its route and a demo tenant', async () => {
    const dir = project();
    const result = scaffoldService({ template: 'ts', dir: path.join(dir, 'svc'), name: 'svc', configFile: path.join(dir, 'mlaas.yaml') });
    expect(result.route).toBe('POST /v1/svc/predict');
    const loaded = await loadConfig(path.join(dir, 'mlaas.yaml'));
    expect(loaded.config.services['svc']).toMatchObject({ source: path.join(dir, 'svc'), command: ['node', 'dist/server.js'], readiness: { path: '/healthz' } });
    expect(loaded.config.tenants['demo']?.demoKey).toBe(true);
    const op = loaded.gateway.operations.find((o) => o.path === '/v1/svc/predict');
    expect(op).toMatchObject({ method: 'POST', backend: { kind: 'service', service: 'svc', path: '/predict' } });
    expect(op?.security).toEqual([[expect.objectContaining({ type: 'apiKey', in: 'header', keyName: 'x-api-key' })]]);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'svc', 'package.json'), 'utf8')) as { dependencies: object };
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'svc', 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: object }> };
    expect(lock.packages['']?.dependencies).toEqual(pkg.dependencies);
    expect(fs.readFileSync(path.join(dir, 'svc', 'server.ts'), 'utf8')).toContain("from '@mlaas/sdk'");
  });

  it('adds to an existing mlaas.yaml and gateway document, keeping their comments and their key scheme', async () => {
    const dir = project();
    fs.writeFileSync(
      path.join(dir, 'mlaas.yaml'),
      '# my platform\ngateway:\n  document: gw.yaml # the routes\nservices: {}\ntenants:\n  acme: {} # our customer\n',
    );
    fs.writeFileSync(
      path.join(dir, 'gw.yaml'),
      "# my routes\nswagger: '2.0'\ninfo: { title: t, version: '1' }\nsecurityDefinitions:\n  api_key: { type: apiKey, name: key, in: query }\npaths: {}\n",
    );
    scaffoldService({ template: 'python', dir: path.join(dir, 'services', 'py'), name: 'py', configFile: path.join(dir, 'mlaas.yaml') });
    const yaml = fs.readFileSync(path.join(dir, 'mlaas.yaml'), 'utf8');
    expect(yaml).toContain('# my platform');
    expect(yaml).toContain('# the routes');
    expect(yaml).toContain('# our customer');
    expect(fs.readFileSync(path.join(dir, 'gw.yaml'), 'utf8')).toContain('# my routes');
    const loaded = await loadConfig(path.join(dir, 'mlaas.yaml'));
    expect(Object.keys(loaded.config.tenants)).toEqual(['acme']);
    expect(loaded.config.services['py']).toMatchObject({ source: path.join(dir, 'services', 'py'), command: ['python', 'serve.py'] });
    const op = loaded.gateway.operations.find((o) => o.path === '/v1/py/predict');
    expect(op?.security).toEqual([[expect.objectContaining({ name: 'api_key', in: 'query' })]]);
    expect(fs.readdirSync(path.join(dir, 'services', 'py')).sort()).toEqual(['README.md', 'main.py', 'requirements.txt', 'serve.py']);
  });

  it('declares an onnx model with no code: the model copied, seeded as NAME@production, its V2 infer route', async () => {
    const dir = project();
    scaffoldService({ template: 'onnx', dir: path.join(dir, 'clf'), name: 'text-clf', model, configFile: path.join(dir, 'mlaas.yaml') });
    expect(fs.readFileSync(path.join(dir, 'clf', 'model.onnx'), 'utf8')).toBe('onnx bytes');
    const loaded = await loadConfig(path.join(dir, 'mlaas.yaml'));
    expect(loaded.config.services['text-clf']).toMatchObject({ runtime: 'onnx', models: { text_clf: 'text-clf@production' } });
    expect(loaded.config.models.seed['text-clf']).toMatchObject({ file: path.join(dir, 'clf', 'model.onnx'), alias: 'production' });
    expect(loaded.gateway.operations.find((o) => o.path === '/v2/models/text_clf/infer')?.backend).toEqual({ kind: 'service', service: 'text-clf', path: '' });
  });

  it('refuses a name already declared, a non-empty folder and an onnx template without a model, and then writes nothing', () => {
    const dir = project();
    const configFile = path.join(dir, 'mlaas.yaml');
    scaffoldService({ template: 'ts', dir: path.join(dir, 'a'), name: 'a', configFile });
    const before = fs.readFileSync(configFile, 'utf8');
    expect(() => scaffoldService({ template: 'ts', dir: path.join(dir, 'b'), name: 'a', configFile })).toThrow(/services\.a is declared already/);
    expect(fs.existsSync(path.join(dir, 'b'))).toBe(false);
    expect(() => scaffoldService({ template: 'ts', dir: path.join(dir, 'a'), name: 'c', configFile })).toThrow(/not empty/);
    expect(() => scaffoldService({ template: 'onnx', dir: path.join(dir, 'd'), name: 'd', configFile })).toThrow(/--model: expected an \.onnx file, got none/);
    expect(() => scaffoldService({ template: 'ts', dir: path.join(dir, 'e'), name: 'E_1', configFile })).toThrow(/expected a DNS label/);
    expect(fs.readFileSync(configFile, 'utf8')).toBe(before);
  });
});

// A plan against a running platform of a service whose model `models.seed` pushes in the same apply (what
// `mlaas init --template onnx` writes): the store does not have it yet, and the plan means the version the seed
// will make. Real model store on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../config/index.js';
import { buildAddModel } from '../models/fixtures/tiny-onnx-model.js';
import { FsBlobBackend, ModelRegistry, seedModels } from '../models/index.js';
import { desiredStateOf } from './declared-state.js';
import { FakeStateStore } from '../state/fake-state-store.js';

let dir: string;
let registry: ModelRegistry;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-seeded-'));
  registry = new ModelRegistry({ backend: new FsBlobBackend(path.join(dir, 'store')) });
  fs.mkdirSync(path.join(dir, 'clf'));
  fs.writeFileSync(path.join(dir, 'clf', 'model.onnx'), buildAddModel());
  fs.writeFileSync(path.join(dir, 'clf', 'server.js'), '');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function loaded(ref: string): LoadedConfig {
  const yaml = `gateway: { document: api-gateway.yaml }
services:
  clf: { source: clf, command: [node, server.js], models: { clf: '${ref}' } }
models:
  seed: { clf: { file: clf/model.onnx, alias: production } }
`;
  return { config: parseConfig(yaml, { baseDir: dir, configPath: 'mlaas.yaml' }), gateway: { title: '', operations: [] }, flags: undefined, variables: {} };
}

const plannedModels = async (ref: string) =>
  (await desiredStateOf(loaded(ref), { store: new FakeStateStore(), models: registry })).desired.services['clf']?.revision['models'];

describe('a plan of a service whose model a seed of the same apply pushes', () => {
  it('means the version the seed makes: the file’s digest and format, the model’s next number', async () => {
    const sha256 = createHash('sha256').update(fs.readFileSync(path.join(dir, 'clf', 'model.onnx'))).digest('hex');
    expect(await plannedModels('clf@production')).toEqual({ clf: { ref: 'clf@production', name: 'clf', version: 1, sha256, format: 'onnx' } });
    // What the apply then does first: the seed's push makes exactly that version, which the deploy resolves.
    await seedModels(registry, loaded('clf@production').config.models.seed);
    expect(await registry.resolve('clf@production')).toMatchObject({ version: 1, sha256, format: 'onnx' });
    expect(await plannedModels('clf@production')).toEqual({ clf: { ref: 'clf@production', name: 'clf', version: 1, sha256, format: 'onnx' } });
  });

  it('takes the number after the model’s newest version when the model exists without that alias', async () => {
    await registry.push('clf', buildAddModel(4));
    expect(await plannedModels('clf@production')).toMatchObject({ clf: { version: 2 } });
  });

  it('still refuses a reference no seed makes, naming the service’s model key', async () => {
    await expect(plannedModels('clf@staging')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('models.clf:') });
    await expect(plannedModels('clf@3')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});

// Image names are content-derived: the same service exports the same image, a change in what goes into the image
// gives another tag, and the service YAML and cloudbuild.yaml can both use the one name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packSource } from '../artifacts/pack-source.js';
import { fastapiService, onnxService } from './fixtures/exported-services.js';
import { imageName, type ImageNameInput } from './image-name.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-export-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function onnxInput(change: Partial<ImageNameInput> = {}): ImageNameInput {
  const service = onnxService(root);
  return { registry: 'gcr.io/my-project', name: service.name, config: service.config, models: service.models, mlaasVersion: '0.1.0', ...change };
}

describe('imageName', () => {
  it("tags a service built from source with the first 12 hex digits of its source digest, as mlaas deploy stores it", async () => {
    const service = fastapiService();
    const { digest } = await packSource(service.config.source);
    const input = { registry: 'gcr.io/my-project/', name: service.name, config: service.config, models: [], mlaasVersion: '0.1.0' };
    expect(await imageName(input)).toBe(`gcr.io/my-project/fastapi-sentiment:${digest.slice('sha256:'.length, 'sha256:'.length + 12)}`);
  });

  it('tags an ONNX server image by the mlaas version, the model digests and the settings, nothing else', async () => {
    const base = await imageName(onnxInput());
    expect(base).toMatch(/^gcr\.io\/my-project\/inference:[0-9a-f]{12}$/);
    expect(await imageName(onnxInput())).toBe(base);
    const changed = await Promise.all([
      imageName(onnxInput({ mlaasVersion: '0.2.0' })),
      // The fixture's model is sha256:aaaa…, version 3.
      imageName(onnxInput({ models: [{ name: 'spam', version: 3, digest: `sha256:${'b'.repeat(64)}` }] })),
      imageName(onnxInput({ config: { ...onnxInput().config, onnx: { ...onnxInput().config.onnx!, maxBatchSize: 8 } } })),
    ]);
    for (const name of changed) expect(name).not.toBe(base);
    expect(new Set(changed).size).toBe(3);
  });
});

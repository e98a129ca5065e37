/**
 * Services to export in tests: the repository's examples and an ONNX
 * service, as the lead's export command hands them to the renderers
 * (defaults applied, absolute source, models resolved to local files).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceSchema } from '../config/index.js';
import type { ExportedModel, ExportedService, ImageKind } from './export-types.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** A model file outside the sources, as the store keeps one. */
export function modelFile(name: string): ExportedModel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-export-model-'));
  const localPath = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(localPath, 'onnx bytes');
  return {
    name,
    ref: 'spam@production',
    model: 'spam',
    version: 3,
    digest: `sha256:${'a'.repeat(64)}`,
    localPath,
    contextPath: `models/${name}.onnx`,
  };
}

/** A service as export sees it: `declared` is what mlaas.yaml says, `source` absolute. */
export function exportedService(
  name: string,
  imageKind: ImageKind,
  declared: Record<string, unknown>,
  models: ExportedModel[] = [],
): ExportedService {
  const config = ServiceSchema.parse(declared);
  return {
    name,
    config: { ...config, source: path.resolve(REPO_ROOT, config.source) },
    imageKind,
    image: `gcr.io/my-project/${name}:0123456789ab`,
    models,
  };
}

export function spamFilterService(): ExportedService {
  return exportedService(
    'spam-filter',
    'node',
    { source: 'examples/spam-filter', command: ['node', 'dist/server.js'], models: { classifier: 'spam@production' } },
    [modelFile('classifier')],
  );
}

export function fastapiService(): ExportedService {
  return exportedService('fastapi-sentiment', 'python', { source: 'examples/fastapi-sentiment', command: ['python', 'serve.py'] });
}

export function onnxService(): ExportedService {
  return exportedService(
    'inference',
    'onnx',
    { runtime: 'onnx', models: { spam: 'spam@production' }, onnx: { maxBatchSize: 16, padding: { indices: 0 } } },
    [modelFile('spam')],
  );
}

/**
 * An ExportInput read from an mlaas.yaml on disk with mlaas's own loader, as
 * `mlaas export` reads a declaration without a running platform: for unit
 * tests of the export renderers. `writeDeclaration` puts an mlaas.yaml and
 * its gateway document into a fresh temporary directory first.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { parseYaml } from '../src/config/parse-yaml.js';
import type { ExportInput, ExportOptions } from '../src/export/export-types.js';

export const KNATIVE: ExportOptions = { target: 'knative', registry: 'gcr.io/PROJECT_ID', namespace: 'ml', region: 'europe-west1' };
export const CLOUDRUN: ExportOptions = { ...KNATIVE, target: 'cloudrun' };

export async function exportInputFrom(mlaasYaml: string): Promise<ExportInput> {
  const { config, gateway } = await loadConfig(mlaasYaml, { env: {} });
  const text = await readFile(config.gateway.document, 'utf8');
  const parsed = parseYaml(text, { env: {} });
  if (!parsed.ok) throw new Error(`${config.gateway.document} does not parse`);
  return {
    config,
    document: gateway,
    documentSource: parsed.value as Record<string, unknown>,
    documentName: path.basename(config.gateway.document),
    services: Object.entries(config.services).map(([name, service]) => ({
      name,
      config: service,
      imageKind: service.runtime === 'onnx' ? 'onnx' : 'node',
      image: `gcr.io/PROJECT_ID/${name}:0123456789ab`,
      models: [],
    })),
    mlaasVersion: '0.1.0',
  };
}

/** A directory with `mlaas.yaml` (services' sources are the directory itself) and `api-gateway.yaml`. */
export async function writeDeclaration(mlaasYaml: string, document: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlaas-export-'));
  await writeFile(path.join(dir, 'mlaas.yaml'), mlaasYaml);
  await writeFile(path.join(dir, 'api-gateway.yaml'), document);
  return path.join(dir, 'mlaas.yaml');
}

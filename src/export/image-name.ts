/**
 * The image an exported service runs, `REGISTRY/NAME:TAG`, named the same in
 * its service YAML and in cloudbuild.yaml. The tag is content-derived, so an
 * unchanged service exports the same image: the first 12 hex digits of its
 * source digest (what `mlaas deploy` stores it under), or, for `runtime:
 * onnx`, of sha256 over the mlaas version, the model digests and the ONNX
 * server's settings.
 */
import { sha256Hex, digestHex } from '../artifacts/artifact-digest.js';
import { packSource } from '../artifacts/pack-source.js';
import type { ServiceConfig } from '../config/index.js';
import { onnxServerEnv } from '../serving/onnx-server-env.js';
import type { ExportedModel } from './export-types.js';

/** Where images go when `--registry` is not given: the README says to pass it. */
export const DEFAULT_REGISTRY = 'gcr.io/PROJECT_ID';
const TAG_LENGTH = 12;

export interface ImageNameInput {
  registry: string;
  name: string;
  config: Pick<ServiceConfig, 'runtime' | 'source' | 'onnx'>;
  models: readonly Pick<ExportedModel, 'name' | 'digest' | 'version'>[];
  mlaasVersion: string;
  /** The platform's state directory, left out of the source as a deploy leaves it out. */
  stateDir?: string;
}

/** The tag of an ONNX server image: what changes the image, in a fixed order. */
function onnxTag(input: ImageNameInput): string {
  const models = [...input.models].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const versions = Object.fromEntries(models.map((model) => [model.name, model.version]));
  const settings = Object.entries(onnxServerEnv(input.config.onnx, versions)).sort(([a], [b]) => (a < b ? -1 : 1));
  return sha256Hex(
    input.mlaasVersion,
    '\0',
    models.map((model) => `${model.name}=${model.digest}`).join('\n'),
    '\0',
    JSON.stringify(settings),
  ).slice(0, TAG_LENGTH);
}

/**
 * @example
 * await imageName({ registry: 'gcr.io/my-project', name: 'spam-filter', config, models, mlaasVersion: '0.1.0' });
 * // 'gcr.io/my-project/spam-filter:3f2a9c0d1b7e'
 */
export async function imageName(input: ImageNameInput): Promise<string> {
  const tag =
    input.config.runtime === 'onnx' ? onnxTag(input) : digestHex((await packSource(input.config.source, input.stateDir === undefined ? {} : { stateDir: input.stateDir })).digest).slice(0, TAG_LENGTH);
  return `${input.registry.replace(/\/+$/, '')}/${input.name}:${tag}`;
}

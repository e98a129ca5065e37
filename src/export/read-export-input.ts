/**
 * What `mlaas export` renders, read from the declaration: mlaas.yaml and its
 * gateway document as `mlaas up` would load them, each service's image kind
 * and image name (tagged by what goes into it, so the same input names the
 * same image), its models resolved to verified local files, and, when a
 * platform was asked, the revision it serves and its traffic.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../artifacts/artifact-digest.js';
import type { TrafficPolicy } from '../api/index.js';
import { loadConfig, type Environment, type MlaasConfig, type ServiceConfig } from '../config/index.js';
import { parseYaml } from '../config/parse-yaml.js';
import { readConfigFile } from '../config/read-config-file.js';
import { MlaasError } from '../errors.js';
import { ModelCache, ModelRegistry, createBlobBackend, parseModelRef } from '../models/index.js';
import type { ExportedModel, ExportedService, ExportedTrafficTarget, ExportInput, ExportOptions } from './export-types.js';
import { imageKindOf } from './image-kind.js';
import { imageName } from './image-name.js';

/** What a running platform says of one service (`GET /v1/services/:name`). */
export interface PlatformService {
  latestRevision?: string;
  traffic?: TrafficPolicy;
}

export interface ReadExportOptions {
  env?: Environment;
  /** Service name → what the running platform serves; none when no platform was asked. */
  platform?: ReadonlyMap<string, PlatformService>;
  /** Where verified model copies are kept (the platform's model cache). */
  modelCacheDir: string;
  mlaasVersion: string;
  /** Told of each step, for progress. */
  onStep?: (step: string) => void;
}

/** @example const input = await readExportInput('mlaas.yaml', { target: 'knative', … }, { modelCacheDir, mlaasVersion: '0.1.0' }); */
export async function readExportInput(file: string, options: ExportOptions, read: ReadExportOptions): Promise<ExportInput> {
  const loaded = await loadConfig(file, read.env === undefined ? {} : { env: read.env });
  const { config } = loaded;
  const documentText = await readConfigFile(config.gateway.document, 'gateway document');
  const yaml = parseYaml(documentText, { env: read.env ?? process.env });
  if (!yaml.ok) throw new MlaasError('GATEWAY_DOC_INVALID', `${config.gateway.document}: cannot be read again`);
  const models = new ModelRegistry({ backend: createBlobBackend(config.models.store, { baseDir: config.baseDir, stateDir: config.stateDir }) });
  try {
    const cache = new ModelCache({ dir: read.modelCacheDir, registry: models });
    const services: ExportedService[] = [];
    for (const [name, service] of Object.entries(config.services).sort(([a], [b]) => a.localeCompare(b))) {
      read.onStep?.(`service ${name}`);
      const exportedModels = await resolveModels(name, service, config.models.seed, cache);
      const image = await imageName({ registry: options.registry, name, config: service, models: exportedModels, mlaasVersion: read.mlaasVersion, stateDir: config.stateDir });
      const platform = read.platform?.get(name);
      const { config: exportedConfig, traffic } = withPlatformTraffic(service, platform?.traffic);
      services.push({
        name,
        config: exportedConfig,
        imageKind: imageKindOf(service),
        stateDir: config.stateDir,
        image,
        ...(platform?.latestRevision === undefined ? {} : { revisionName: platform.latestRevision }),
        ...(traffic === undefined ? {} : { traffic }),
        models: exportedModels,
      });
    }
    return {
      config,
      document: loaded.gateway,
      documentSource: yaml.value as Record<string, unknown>,
      documentName: path.basename(config.gateway.document),
      services,
      mlaasVersion: read.mlaasVersion,
    };
  } finally {
    await models.backend.close();
  }
}

/**
 * Each model ref resolved in the store to a verified local copy. A fresh
 * checkout has no alias yet: the `models.seed` file that `mlaas up` would push
 * for it stands in, as version 1 (what a fresh store gives it).
 */
async function resolveModels(
  service: string,
  config: ServiceConfig,
  seeds: MlaasConfig['models']['seed'],
  cache: ModelCache,
): Promise<ExportedModel[]> {
  const out: ExportedModel[] = [];
  for (const [name, ref] of Object.entries(config.models).sort(([a], [b]) => a.localeCompare(b))) {
    const contextPath = `models/${name}.onnx`;
    let resolved: { model: string; version: number; digest: string; localPath: string };
    try {
      const cached = await cache.fetch(ref);
      resolved = { model: cached.name, version: cached.version, digest: `sha256:${cached.sha256}`, localPath: cached.path };
    } catch (err) {
      const seed = seedFor(ref, seeds);
      if (!(err instanceof MlaasError) || err.code !== 'MODEL_NOT_FOUND' || seed === undefined) {
        throw new MlaasError(
          err instanceof MlaasError ? err.code : 'MODEL_NOT_FOUND',
          `services.${service}.models.${name}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      resolved = { model: parseModelRef(ref).name, version: 1, digest: `sha256:${sha256Hex(await readFile(seed))}`, localPath: seed };
    }
    out.push({ name, ref, ...resolved, contextPath });
  }
  return out;
}

function seedFor(ref: string, from: MlaasConfig['models']['seed']): string | undefined {
  const parsed = parseModelRef(ref);
  const seed = from[parsed.name];
  if (seed === undefined) return undefined;
  const alias = 'alias' in parsed ? parsed.alias : undefined;
  return alias === undefined || alias === seed.alias ? seed.file : undefined;
}

/**
 * The traffic to export: the platform's current policy when it was asked (in
 * mlaas.yaml's Knative form, so the manifest and the list of what does not
 * carry over read it from one place), else what the file declares.
 */
function withPlatformTraffic(service: ServiceConfig, policy: TrafficPolicy | undefined): { config: ServiceConfig; traffic?: ExportedTrafficTarget[] } {
  if (policy === undefined) return { config: service, ...(service.traffic === undefined ? {} : { traffic: service.traffic.targets }) };
  const targets: ExportedTrafficTarget[] = policy.targets.map((t) => ({
    ...(t.revision === undefined ? {} : { revisionName: t.revision }),
    ...(t.latestRevision === true ? { latestRevision: true } : {}),
    ...(t.tag === undefined ? {} : { tag: t.tag }),
    percent: t.percent,
  }));
  const traffic: NonNullable<ServiceConfig['traffic']> = {
    targets,
    sticky: policy.sticky,
    ...(policy.tenantTags === undefined ? {} : { tenantTags: policy.tenantTags }),
    ...(policy.flagTag === undefined ? {} : { flagTag: policy.flagTag }),
    ...(policy.mirror === undefined ? {} : { mirror: policy.mirror }),
  };
  return { config: { ...service, traffic }, traffic: targets };
}

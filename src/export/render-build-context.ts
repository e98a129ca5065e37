/**
 * A service's build context, `build/<name>/`: exactly the files mlaas packs
 * for it (its .mlaasignore applied, by listPackedFiles), its models under
 * `models/`, the Dockerfile and a .dockerignore. Sources and models are
 * copied from their local files (`from`), never read into memory.
 */
import path from 'node:path';
import { readAptPackages } from '../artifacts/apt-packages.js';
import { listPackedFiles } from '../artifacts/pack-source.js';
import { MlaasError } from '../errors.js';
import type { ExportedService, ExportFile, Rendered, UnsupportedFeature } from './export-types.js';
import { DEBIAN_IMAGE } from './dockerfile-lines.js';
import { plainBaseImage, renderDockerfile } from './render-dockerfile.js';

/** The files of the context mlaas writes itself; a source's own files of these names are replaced. */
const GENERATED = ['Dockerfile', '.dockerignore'];

/** What a local run may leave in a context directory: never part of an image. */
const DOCKERIGNORE = [
  '# The context holds what mlaas packs for this service (its .mlaasignore applied), its models and the',
  '# Dockerfile; whatever a local run leaves here later stays out of the image.',
  'Dockerfile',
  '.dockerignore',
  '**/node_modules',
  '**/__pycache__',
  '**/.git',
  '',
].join('\n');

/** Shell and interpreters a plain image has without apt.txt. */
const BASE_PROGRAMS = new Set(['sh', 'bash', 'node', 'python', 'python3']);

/** The directory of `name`'s build context under the output directory. */
export function buildContextDir(name: string): string {
  return `build/${name}`;
}

function plainCommandNote(service: ExportedService, files: readonly string[], aptPackages: readonly string[]): UnsupportedFeature[] {
  const program = service.config.command?.[0] ?? '';
  const inSource = files.includes(program.replace(/^\.\//, ''));
  if (plainBaseImage(service.config.command ?? []) !== DEBIAN_IMAGE || BASE_PROGRAMS.has(program) || inSource || aptPackages.length > 0) {
    return [];
  }
  return [
    {
      path: `services.${service.name}.command`,
      detail: `"${program}" comes from this machine locally; the image is ${DEBIAN_IMAGE} plus the source, so declare the Debian package that provides it in apt.txt`,
    },
  ];
}

/**
 * Every file of `build/<name>/` and what could not be carried over.
 *
 * @throws MlaasError ARTIFACT_INVALID when a source file has the path a model takes in the context.
 * @example
 * renderBuildContext(spamFilter, '0.1.0').files.map((f) => f.path);
 * // ['build/spam-filter/.dockerignore', 'build/spam-filter/.npmrc', …, 'build/spam-filter/models/classifier.onnx', …]
 */
export function renderBuildContext(service: ExportedService, mlaasVersion: string): Rendered {
  const dir = buildContextDir(service.name);
  const fromSource = service.imageKind !== 'onnx';
  const packed = fromSource ? listPackedFiles(service.config.source, service.stateDir === undefined ? {} : { stateDir: service.stateDir }) : [];
  const aptPackages = fromSource ? readAptPackages(service.config.source) : [];
  const unsupported: UnsupportedFeature[] = packed
    .filter((file) => GENERATED.includes(file))
    .map((file) => ({
      path: `services.${service.name}.source: ${file}`,
      detail: `replaced by the ${file} mlaas export writes (${dir}/${file})`,
    }));
  const sources = packed.filter((file) => !GENERATED.includes(file));
  for (const model of service.models) {
    if (sources.includes(model.contextPath)) {
      throw new MlaasError(
        'ARTIFACT_INVALID',
        `services.${service.name}.models.${model.name}: the image takes it at ${model.contextPath}, but the source has a file there too; leave it out with .mlaasignore or rename it`,
      );
    }
  }
  if (service.imageKind === 'plain') unsupported.push(...plainCommandNote(service, sources, aptPackages));

  const files: ExportFile[] = [
    { path: `${dir}/Dockerfile`, content: renderDockerfile(service, { files: sources, aptPackages, mlaasVersion }) },
    { path: `${dir}/.dockerignore`, content: DOCKERIGNORE },
    ...sources.map((file) => ({ path: `${dir}/${file}`, content: '', from: path.join(service.config.source, file) })),
    ...service.models.map((model) => ({ path: `${dir}/${model.contextPath}`, content: '', from: model.localPath })),
  ];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, unsupported };
}

/**
 * The Dockerfile of a Node.js service, the image counterpart of what
 * `mlaas deploy` does locally (src/artifacts/node-artifact.ts): `npm ci` with
 * devDependencies and the package's `build` script in a build stage, then a
 * runtime stage with `npm ci --omit=dev` and the built files.
 *
 * The local build links the platform as `node_modules/mlaas` and its SDK as
 * `node_modules/@mlaas/sdk`; an image has no platform beside it, so a service
 * whose code imports `mlaas` (or only `@mlaas/sdk`) while its lockfile does not
 * bring the package gets `npm install ${MLAAS_PACKAGE}` (default
 * `mlaas@<exporting version>`, or `@mlaas/sdk@<exporting version>`, which
 * brings no ONNX Runtime; a build arg so that a team can point it at a
 * tarball URL or a git spec). `--ignore-scripts` there: the SDK loads no
 * native module of mlaas's dependencies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MlaasError } from '../errors.js';
import { aptInstall, APP_DIR, NODE_IMAGE, pruneForeignBinaries, runLines } from './dockerfile-lines.js';
import type { ExportedService } from './export-types.js';

export interface NodeImageInput {
  service: ExportedService;
  /** The packed source files (listPackedFiles). */
  files: readonly string[];
  aptPackages: readonly string[];
  mlaasVersion: string;
}

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];
const CODE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const IMPORTS_MLAAS = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]mlaas(?:\/[^'"]*)?['"]/;
const IMPORTS_SDK = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]@mlaas\/sdk['"]/;
const SDK_PACKAGE = '@mlaas/sdk';
const NPM_FLAGS = '--no-audit --no-fund';

interface PackageJson {
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  optionalDependencies?: Record<string, unknown>;
  allowScripts?: Record<string, unknown>;
}

function readJsonObject(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new MlaasError('ARTIFACT_INVALID', `${file}: expected a JSON object, got an unreadable file (${(err as Error).message})`);
  }
}

function countDeclared(pkg: PackageJson): number {
  return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies }).length;
}

/** Whether the lockfile installs the package (then it is the team's own choice of version). */
function lockBrings(file: string, name: string): boolean {
  const lock = readJsonObject(file);
  const packages = { ...(lock['packages'] as object | undefined), ...(lock['dependencies'] as object | undefined) };
  return `node_modules/${name}` in packages || name in packages;
}

function imports(root: string, files: readonly string[], pattern: RegExp): boolean {
  return files.some((file) => CODE_FILE.test(file) && pattern.test(fs.readFileSync(path.join(root, file), 'utf8')));
}

/** The package npm must add for the service's imports, or undefined when its lockfile brings what it imports. */
function sdkPackage(root: string, files: readonly string[], lockfile: string | undefined, mlaasVersion: string): string | undefined {
  const brings = (name: string): boolean => lockfile !== undefined && lockBrings(path.join(root, lockfile), name);
  if (!brings('mlaas') && imports(root, files, IMPORTS_MLAAS)) return `mlaas@${mlaasVersion}`;
  if (!brings('mlaas') && !brings(SDK_PACKAGE) && imports(root, files, IMPORTS_SDK)) return `${SDK_PACKAGE}@${mlaasVersion}`;
  return undefined;
}

/** The npm lines of one stage: dependencies from the lockfile, then the SDK when the service needs it from npm. */
function installLines(lockfile: string | undefined, withMlaas: boolean, dev: boolean): string[] {
  const omit = dev ? '--include=dev' : '--omit=dev';
  const commands = [
    ...(lockfile === undefined ? [] : [`npm ci ${omit} ${NPM_FLAGS}`]),
    ...(withMlaas ? [`npm install --no-save --ignore-scripts ${omit} ${NPM_FLAGS} "$MLAAS_PACKAGE"`] : []),
  ];
  if (commands.length === 0) return [];
  // The build stage is not shipped: only the image that runs is worth the pruning.
  if (!dev) commands.push(pruneForeignBinaries('node_modules'), 'npm cache clean --force');
  // Without its scripts, as the local build installs it: a prepare or postinstall script would run before the sources are there.
  return [`RUN npm pkg delete scripts \\`, ...commands.map((c, i) => `  && ${c}${i < commands.length - 1 ? ' \\' : ''}`)];
}

/** The Dockerfile's lines for a node service (`imageKind: node`). */
export function nodeDockerfile({ service, files, aptPackages, mlaasVersion }: NodeImageInput): string[] {
  const root = service.config.source;
  const pkg = readJsonObject(path.join(root, 'package.json')) as PackageJson;
  const lockfile = LOCKFILES.find((name) => files.includes(name));
  if (lockfile === undefined && countDeclared(pkg) > 0) {
    // As `mlaas deploy` refuses it: npm ci needs the lockfile, and an image without one would not be reproducible.
    throw new MlaasError(
      'ARTIFACT_INVALID',
      `services.${service.name}: package.json declares ${countDeclared(pkg)} dependencies but the source has no package-lock.json: ` +
        'run `npm install --package-lock-only` in the service directory and export again',
    );
  }
  const sdk = sdkPackage(root, files, lockfile, mlaasVersion);
  const withMlaas = sdk !== undefined;
  const manifests = ['package.json', ...(lockfile === undefined ? [] : [lockfile]), ...(files.includes('.npmrc') ? ['.npmrc'] : [])];
  const copyManifests = `COPY ${manifests.join(' ')} ./`;
  const mlaasArg = withMlaas ? [`ARG MLAAS_PACKAGE=${sdk}`] : [];
  // The image's npm 10 does not read package.json's allowScripts: a denied onnxruntime-node install script
  // (it fetches CUDA binaries; the CPU ones are in the package) is skipped by the variable the script reads.
  const skipOnnxInstall =
    pkg.allowScripts?.['onnxruntime-node'] === false ? ['ENV ONNXRUNTIME_NODE_INSTALL=skip'] : [];
  const build = pkg.scripts?.['build'];
  const hasBuild = typeof build === 'string' && build.trim() !== '';
  const command = service.config.command ?? [];

  const runtime = [
    `FROM ${NODE_IMAGE}`,
    `WORKDIR ${APP_DIR}`,
    ...aptInstall(aptPackages),
    ...mlaasArg,
    ...skipOnnxInstall,
    copyManifests,
    ...installLines(lockfile, withMlaas, false),
    ...(hasBuild ? ['# The sources and what the build script made of them, without the build stage\'s node_modules.', 'COPY --from=build /app/ ./'] : ['COPY . .']),
    // What the local build puts first in an instance's PATH.
    `ENV PATH=${APP_DIR}/node_modules/.bin:$PATH`,
    ...runLines(service.models, command),
  ];
  if (!hasBuild) return runtime;
  return [
    `FROM ${NODE_IMAGE} AS build`,
    `WORKDIR ${APP_DIR}`,
    ...aptInstall(aptPackages),
    ...mlaasArg,
    ...skipOnnxInstall,
    copyManifests,
    ...installLines(lockfile, withMlaas, true),
    'COPY . .',
    `RUN npm run build && rm -rf node_modules`,
    '',
    ...runtime,
  ];
}

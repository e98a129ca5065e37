/**
 * Prepares a Node.js artifact: links the dependency layer for its lockfile
 * (installed once with `npm ci`, devDependencies included because the build
 * script may need them), makes the SDK resolvable as `mlaas/sdk` (the
 * platform) and as `@mlaas/sdk` (the SDK package the platform depends on),
 * and runs the package's `build` script.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MlaasError } from '../errors.js';
import { sha256Hex } from './artifact-digest.js';
import type { BuildProgress } from './build-progress.js';
import { ensureLayer } from './dependency-layer.js';
import { explainNpmFailure } from './explain-npm-failure.js';
import { runTool } from './run-tool.js';

export interface NodeArtifactOptions {
  /** `<cacheDir>/deps`, where layers live. */
  depsDir: string;
  /** The mlaas package root, linked as `node_modules/mlaas` unless the lockfile brings its own. */
  platformRoot: string;
  onProgress: BuildProgress;
}

interface PackageJson {
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  optionalDependencies?: Record<string, unknown>;
  allowScripts?: Record<string, unknown>;
}

interface Lockfile {
  packages?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
}

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'] as const;

const SDK_PACKAGE = '@mlaas/sdk';

/** Where the platform finds its SDK dependency: a workspace in the repository, a sibling in an install. */
function sdkRoot(platformRoot: string): string {
  const require = createRequire(path.join(platformRoot, 'package.json'));
  return path.dirname(require.resolve(`${SDK_PACKAGE}/package.json`));
}

function readJson<T>(file: string, what: string): T {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as T;
  } catch (err) {
    throw new MlaasError('ARTIFACT_INVALID', `${what}: expected a JSON object, got an unreadable file (${(err as Error).message})`);
  }
}

/**
 * The environment for npm and build scripts: the caller's, minus the `npm_*`
 * variables an enclosing `npm run` sets (npm_config_local_prefix and friends
 * would point npm at the wrong project).
 */
function toolEnv(extraPath?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  if (extraPath !== undefined) env['PATH'] = `${extraPath}${path.delimiter}${process.env['PATH'] ?? ''}`;
  env['npm_config_update_notifier'] = 'false';
  return env;
}

function countDeclared(pkg: PackageJson): number {
  return [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies].reduce(
    (sum, deps) => sum + Object.keys(deps ?? {}).length,
    0,
  );
}

/** The package.json the layer is installed from: no scripts, so npm ci runs none of the service's own. */
function layerPackageJson(pkg: PackageJson): string {
  const { scripts: _scripts, ...rest } = pkg;
  return JSON.stringify(rest, null, 2);
}

async function installLayer(
  appDir: string,
  pkg: PackageJson,
  lock: { file: string; text: string; parsed: Lockfile } | undefined,
  options: NodeArtifactOptions,
): Promise<{ dir: string; reused: boolean }> {
  const npmrcFile = path.join(appDir, '.npmrc');
  const npmrc = fs.existsSync(npmrcFile) ? fs.readFileSync(npmrcFile, 'utf8') : '';
  // Besides the lockfile: the declared dependencies (npm ci refuses a lockfile out of step with them), the
  // .npmrc and package.json's allowScripts (which install scripts run changes what gets installed) and the
  // platform root the SDK link points at.
  const declared = JSON.stringify([pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies, pkg.allowScripts]);
  const key = sha256Hex(lock?.text ?? '', '\0', declared, '\0', npmrc, '\0', options.platformRoot).slice(0, 32);
  const lockPackages = Object.keys(lock?.parsed.packages ?? lock?.parsed.dependencies ?? {}).filter((k) => k !== '');
  const bringsMlaas = lockPackages.includes('node_modules/mlaas') || lockPackages.includes('mlaas');
  const bringsSdk = lockPackages.includes(`node_modules/${SDK_PACKAGE}`) || lockPackages.includes(SDK_PACKAGE);

  return ensureLayer(options.depsDir, `node-${key}`, async (tempDir) => {
    fs.writeFileSync(path.join(tempDir, 'package.json'), layerPackageJson(pkg));
    if (npmrc !== '') fs.writeFileSync(path.join(tempDir, '.npmrc'), npmrc);
    if (lock !== undefined && lockPackages.length > 0) {
      fs.writeFileSync(path.join(tempDir, lock.file), lock.text);
      options.onProgress('dependencies', `npm ci (${lockPackages.length} packages)`);
      await runTool({
        what: 'npm ci',
        command: 'npm',
        args: ['ci', '--no-audit', '--no-fund', '--include=dev'],
        cwd: tempDir,
        env: toolEnv(),
        explain: (output) => explainNpmFailure('npm ci', output),
      });
    }
    const modules = path.join(tempDir, 'node_modules');
    fs.mkdirSync(modules, { recursive: true });
    if (!bringsMlaas) fs.symlinkSync(options.platformRoot, path.join(modules, 'mlaas'), 'dir');
    if (!bringsSdk) {
      fs.mkdirSync(path.join(modules, '@mlaas'), { recursive: true });
      fs.symlinkSync(sdkRoot(options.platformRoot), path.join(modules, SDK_PACKAGE), 'dir');
    }
  });
}

/**
 * Installs or reuses the dependency layer, links it as `<workDir>/node_modules`
 * and runs the `build` script there. Returns the environment an instance
 * needs once the artifact sits at `finalDir`, and the layer it depends on.
 */
export async function prepareNodeArtifact(
  workDir: string,
  finalDir: string,
  options: NodeArtifactOptions,
): Promise<{ env: Record<string, string>; layers: string[] }> {
  const pkg = readJson<PackageJson>(path.join(workDir, 'package.json'), 'package.json');
  const lockName = LOCKFILES.find((name) => fs.existsSync(path.join(workDir, name)));
  if (lockName === undefined && countDeclared(pkg) > 0) {
    throw new MlaasError(
      'ARTIFACT_INVALID',
      `package.json declares ${countDeclared(pkg)} dependencies but the source has no package-lock.json: ` +
        'run `npm install --package-lock-only` in the service directory and deploy again',
    );
  }
  const lock =
    lockName === undefined
      ? undefined
      : {
          file: lockName,
          text: fs.readFileSync(path.join(workDir, lockName), 'utf8'),
          parsed: readJson<Lockfile>(path.join(workDir, lockName), lockName),
        };

  const layer = await installLayer(workDir, pkg, lock, options);
  if (layer.reused) options.onProgress('dependencies', `reusing ${path.basename(layer.dir)}`);
  const link = path.join(workDir, 'node_modules');
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(path.join(layer.dir, 'node_modules'), link, 'dir');

  const script = pkg.scripts?.['build'];
  if (typeof script === 'string' && script.trim() !== '') {
    options.onProgress('build', script);
    // What `npm run build` does, without npm's start-up time.
    await runTool({
      what: `build script "${script}"`,
      command: 'sh',
      args: ['-c', script],
      cwd: workDir,
      env: toolEnv(path.join(workDir, 'node_modules', '.bin')),
    });
  }
  const bin = path.join(finalDir, 'node_modules', '.bin');
  return { env: { PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}` }, layers: [layer.dir] };
}

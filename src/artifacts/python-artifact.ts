/**
 * Prepares a Python artifact: a venv per requirements set, created with
 * `--system-site-packages` so that it sees the host's packages (Debian's
 * python3-fastapi, python3-uvicorn), then checked with
 * `pip install --no-index --no-deps`, which installs nothing from an index
 * and fails on any requirement the host cannot satisfy.
 *
 * `--no-deps`: pip then checks only the service's own requirements, not the
 * packages' declared dependencies, which the host's package manager already
 * resolved. Debian's fastapi 0.92 declares starlette<0.26 while Debian ships
 * a patched starlette 0.26.1: pip's resolver would reject a working system.
 *
 * Requirements must be self-contained (no `-r other.txt`, no local paths):
 * the venv is shared by every artifact with the same requirements.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './artifact-digest.js';
import type { BuildProgress } from './build-progress.js';
import { ensureLayer } from './dependency-layer.js';
import { lastLines, runTool } from './run-tool.js';

export interface PythonArtifactOptions {
  depsDir: string;
  /** The interpreter the venv is made from. */
  python: string;
  onProgress: BuildProgress;
}

/** Prints pyproject.toml's `[project].dependencies`, one a line: the requirements of a source without requirements.txt. */
export const PYPROJECT_DEPENDENCIES =
  "import sys, tomllib; d = tomllib.load(open(sys.argv[1], 'rb')); print('\\n'.join(d.get('project', {}).get('dependencies', [])))";

/** pip prints one `ERROR:` line per problem; the last ones are the cause. */
const TAIL_ERRORS = 10;

const UNSATISFIABLE = [
  /No matching distribution found for (\S+)/,
  /Could not find a version that satisfies the requirement (\S+)/,
];

/** Names the requirement pip could not satisfy, and what to do about it; else pip's own `ERROR:` lines. */
export function explainPipFailure(output: string): string | undefined {
  for (const pattern of UNSATISFIABLE) {
    const requirement = pattern.exec(output)?.[1];
    if (requirement !== undefined) {
      return (
        `requirement "${requirement}" cannot be satisfied: no package installed on this host provides it, and builds ` +
        `install nothing from PyPI. Install it on the host (for example apt-get install python3-<name>) or drop it ` +
        `from the requirements.\n${lastLines(output, 4)}`
      );
    }
  }
  const errors = output.split('\n').filter((line) => line.startsWith('ERROR:'));
  return errors.length === 0 ? undefined : `pip install failed:\n${errors.slice(-TAIL_ERRORS).join('\n')}`;
}

async function readRequirements(workDir: string, options: PythonArtifactOptions): Promise<string> {
  const requirementsFile = path.join(workDir, 'requirements.txt');
  if (fs.existsSync(requirementsFile)) return fs.readFileSync(requirementsFile, 'utf8');
  const output = await runTool({
    what: 'reading [project].dependencies from pyproject.toml',
    command: options.python,
    args: ['-c', PYPROJECT_DEPENDENCIES, path.join(workDir, 'pyproject.toml')],
    cwd: workDir,
    env: process.env,
  });
  return output.trim() === '' ? '' : `${output.trim()}\n`;
}

async function createVenv(venvDir: string, requirements: string, options: PythonArtifactOptions): Promise<void> {
  const python = path.join(venvDir, 'bin', 'python');
  const run = (what: string, command: string, args: string[], explain?: (output: string) => string | undefined) =>
    runTool({ what, command, args, cwd: venvDir, env: process.env, ...(explain === undefined ? {} : { explain }) });

  options.onProgress('dependencies', `venv from ${options.python}`);
  // Without pip: the venv borrows the host's pip (python3-pip) in a fraction of ensurepip's seconds.
  await run('python -m venv', options.python, ['-m', 'venv', '--system-site-packages', '--without-pip', venvDir]);
  try {
    await run('looking for pip', python, ['-c', 'import pip']);
  } catch {
    await run('python -m ensurepip', python, ['-m', 'ensurepip', '--default-pip']);
  }
  const lines = requirements.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (lines.length === 0) return;
  fs.writeFileSync(path.join(venvDir, 'requirements.txt'), requirements);
  options.onProgress('dependencies', `checking ${lines.length} requirements`);
  await run(
    'pip install --no-index',
    python,
    ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '-r', 'requirements.txt'],
    explainPipFailure,
  );
}

/** Creates or reuses the venv for the source's requirements; returns the environment that puts it first. */
export async function preparePythonArtifact(
  workDir: string,
  options: PythonArtifactOptions,
): Promise<{ env: Record<string, string>; layers: string[] }> {
  const requirements = await readRequirements(workDir, options);
  const key = sha256Hex(options.python, '\0', requirements).slice(0, 32);
  const layer = await ensureLayer(options.depsDir, `python-${key}`, (tempDir) =>
    createVenv(tempDir, requirements, options),
  );
  if (layer.reused) options.onProgress('dependencies', `reusing ${path.basename(layer.dir)}`);
  return {
    env: {
      PATH: `${path.join(layer.dir, 'bin')}${path.delimiter}${process.env['PATH'] ?? ''}`,
      VIRTUAL_ENV: layer.dir,
      // The artifact directory is immutable: no __pycache__ in it. Unbuffered: log lines reach the instance log as they happen.
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
    },
    layers: [layer.dir],
  };
}

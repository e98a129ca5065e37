/**
 * The Dockerfile of one exported service, by its image kind: node
 * (node-dockerfile.ts), python (`requirements.txt` or pyproject.toml on a
 * slim Python), plain (the source on the slim base its command needs) and
 * onnx (mlaas's own ONNX server from npm with the models copied in). Every
 * image keeps the container contract of dockerfile-lines.ts.
 */
import { PYPROJECT_DEPENDENCIES } from '../artifacts/python-artifact.js';
import { onnxServerEnv } from '../serving/onnx-server-env.js';
import { APP_DIR, aptInstall, DEBIAN_IMAGE, envInstruction, NODE_IMAGE, pruneForeignBinaries, PYTHON_IMAGE, runLines } from './dockerfile-lines.js';
import type { ExportedService } from './export-types.js';
import { nodeDockerfile } from './node-dockerfile.js';

export interface DockerfileContext {
  /** The packed source files (listPackedFiles of the source); none for onnx. */
  files: readonly string[];
  /** The apt.txt packages (readAptPackages of the source). */
  aptPackages: readonly string[];
  /** The mlaas version exporting: the ONNX server (and the SDK where npm must bring it) are installed at it. */
  mlaasVersion: string;
}

/** Where the ONNX server image installs mlaas, away from /app. */
const MLAAS_PREFIX = '/opt/mlaas';
const PYTHON_ENV: Array<[string, string]> = [
  // As the local artifact: no __pycache__ where the non-root user cannot write, log lines as they happen.
  ['PYTHONDONTWRITEBYTECODE', '1'],
  ['PYTHONUNBUFFERED', '1'],
  ['PIP_DISABLE_PIP_VERSION_CHECK', '1'],
];

/** The slim base a plain source's command runs on: its interpreter's official image, else Debian. */
export function plainBaseImage(command: readonly string[]): string {
  const program = command[0] ?? '';
  if (program === 'node') return NODE_IMAGE;
  if (/^python3?$/.test(program)) return PYTHON_IMAGE;
  return DEBIAN_IMAGE;
}

function pythonDockerfile(service: ExportedService, context: DockerfileContext): string[] {
  const install = context.files.includes('requirements.txt')
    ? ['COPY requirements.txt ./', 'RUN pip install --no-cache-dir -r requirements.txt']
    : context.files.includes('pyproject.toml')
      ? [
          "# pyproject.toml's [project].dependencies, read as the local build reads them.",
          'COPY pyproject.toml ./',
          `RUN python -c "${PYPROJECT_DEPENDENCIES}" pyproject.toml > /tmp/requirements.txt \\`,
          '  && pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt',
        ]
      : [];
  return [
    `FROM ${PYTHON_IMAGE}`,
    `WORKDIR ${APP_DIR}`,
    envInstruction(PYTHON_ENV),
    ...aptInstall(context.aptPackages),
    ...install,
    'COPY . .',
    ...runLines(service.models, service.config.command ?? []),
  ];
}

function plainDockerfile(service: ExportedService, context: DockerfileContext): string[] {
  const command = service.config.command ?? [];
  return [
    `FROM ${plainBaseImage(command)}`,
    `WORKDIR ${APP_DIR}`,
    ...aptInstall(context.aptPackages),
    'COPY . .',
    ...runLines(service.models, command),
  ];
}

function onnxDockerfile(service: ExportedService, context: DockerfileContext): string[] {
  const versions = Object.fromEntries(service.models.map((model) => [model.name, model.version]));
  const settings = Object.entries(onnxServerEnv(service.config.onnx, versions)).sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    `FROM ${NODE_IMAGE}`,
    `WORKDIR ${APP_DIR}`,
    '# mlaas from npm at the version that exported this image; --build-arg MLAAS_PACKAGE=<tarball URL or git spec> for another.',
    `ARG MLAAS_PACKAGE=mlaas@${context.mlaasVersion}`,
    // The server loads pino, prom-client, onnx-proto and onnxruntime-node, whose CPU binaries are in its npm package.
    "# No install scripts: onnxruntime-node's would fetch CUDA binaries (the server runs on the CPU),",
    "# better-sqlite3's a native module the server never loads.",
    `RUN npm install --global --ignore-scripts --no-audit --no-fund --prefix ${MLAAS_PREFIX} "$MLAAS_PACKAGE" \\`,
    `  && ${pruneForeignBinaries(MLAAS_PREFIX)} \\`,
    '  && npm cache clean --force',
    envInstruction([['MLAAS_SERVICE', service.name], ...settings]),
    ...runLines(service.models, ['node', `${MLAAS_PREFIX}/lib/node_modules/mlaas/dist/src/serving/onnx-server-main.js`]),
  ];
}

/**
 * The Dockerfile text of `service`, deterministic: the same service and context give the same bytes.
 *
 * @example
 * renderDockerfile(spamFilter, { files: listPackedFiles(source), aptPackages: [], mlaasVersion: '0.1.0' });
 * // 'FROM node:20-bookworm-slim AS build\n…CMD ["node","dist/server.js"]\n'
 */
export function renderDockerfile(service: ExportedService, context: DockerfileContext): string {
  const lines =
    service.imageKind === 'node'
      ? nodeDockerfile({ service, files: context.files, aptPackages: context.aptPackages, mlaasVersion: context.mlaasVersion })
      : service.imageKind === 'python'
        ? pythonDockerfile(service, context)
        : service.imageKind === 'onnx'
          ? onnxDockerfile(service, context)
          : plainDockerfile(service, context);
  const header = [
    `# The image of the mlaas service "${service.name}" (${service.imageKind}), written by mlaas export.`,
    `# Build it for Cloud Run / Knative nodes: docker build --platform=linux/amd64 -t ${service.image} .`,
  ];
  return `${[...header, ...lines].join('\n')}\n`;
}

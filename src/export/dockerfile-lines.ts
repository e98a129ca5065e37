/**
 * The pieces every exported Dockerfile shares: base images, the apt.txt
 * install, and the final lines of the image that runs (the Cloud Run
 * container contract: `$PORT`, all interfaces, a non-root user, models at
 * /app/models, the service's command).
 */
import { modelEnvVar } from '../runtime/model-env-var.js';
import type { ExportedModel } from './export-types.js';

export const NODE_IMAGE = 'node:20-bookworm-slim';
export const PYTHON_IMAGE = 'python:3.12-slim-bookworm';
export const DEBIAN_IMAGE = 'debian:bookworm-slim';

/** Numeric, so that Kubernetes' runAsNonRoot can check it without an /etc/passwd lookup (distroless' `nonroot`). */
export const IMAGE_USER = '65532:65532';
export const IMAGE_PORT = 8080;
export const APP_DIR = '/app';

/** Values the Dockerfile may hold unquoted: no space, quote, `$` or backslash for it to interpret. */
const PLAIN_VALUE = /^[A-Za-z0-9_.,:/@+=-]*$/;

/** `ENV A=1 B=2`, names in the given order, values double-quoted where they need it. */
export function envInstruction(vars: ReadonlyArray<readonly [string, string]>): string {
  const pairs = vars.map(([name, value]) => {
    if (PLAIN_VALUE.test(value)) return `${name}=${value}`;
    return `${name}="${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
  });
  return `ENV ${pairs.join(' ')}`;
}

/**
 * Shell that deletes onnxruntime-node's macOS and Windows binaries under `dir`
 * (its npm package carries every platform's): 220 MB less in an image that
 * only runs on Linux, and a smaller image starts sooner from zero.
 */
export function pruneForeignBinaries(dir: string): string {
  return `find ${dir} -type d -path '*/onnxruntime-node/bin/*' \\( -name darwin -o -name win32 \\) -prune -exec rm -rf {} +`;
}

/** The apt.txt packages in one layer without the package lists; nothing without packages. */
export function aptInstall(packages: readonly string[]): string[] {
  if (packages.length === 0) return [];
  return [
    '# The Linux packages the service declares in apt.txt.',
    'RUN apt-get update \\',
    `  && apt-get install -y --no-install-recommends ${packages.join(' ')} \\`,
    '  && rm -rf /var/lib/apt/lists/*',
  ];
}

/** Model files at `/app/<contextPath>`, each named by the `MLAAS_MODEL_<NAME>` the SDK and the ONNX server read. */
export function modelLines(models: readonly ExportedModel[]): string[] {
  if (models.length === 0) return [];
  return [
    ...models.map((model) => `COPY ${model.contextPath} ${APP_DIR}/${model.contextPath}`),
    envInstruction(models.map((model) => [modelEnvVar(model.name), `${APP_DIR}/${model.contextPath}`])),
  ];
}

/** The end of the final stage: the contract a Knative / Cloud Run container keeps, then the command. */
export function runLines(models: readonly ExportedModel[], command: readonly string[]): string[] {
  return [
    ...modelLines(models),
    '# Knative and Cloud Run set PORT; their proxy reaches the container from outside its loopback.',
    '# The user has no home directory: HOME is one it may write caches to.',
    envInstruction([
      ['PORT', String(IMAGE_PORT)],
      ['MLAAS_LISTEN_HOST', '0.0.0.0'],
      ['HOME', '/tmp'],
    ]),
    `USER ${IMAGE_USER}`,
    `EXPOSE ${IMAGE_PORT}`,
    `CMD ${JSON.stringify(command)}`,
  ];
}

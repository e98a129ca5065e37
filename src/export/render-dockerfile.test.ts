// Each exported Dockerfile parsed with dockerfile-ast, as a builder would read it: every COPY source is in the
// build context mlaas writes, the final stage runs as a non-root user on $PORT with the service's command.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Copy, DockerfileParser, Env, type Instruction } from 'dockerfile-ast';
import { afterAll, describe, expect, it } from 'vitest';
import { compileIgnoreRules } from '../artifacts/ignore-rules.js';
import type { ExportedService } from './export-types.js';
import { exportedService, fastapiService, onnxService, spamFilterService } from './fixtures/exported-services.js';
import { tsTemplateFiles } from '../init/ts-template.js';
import { renderBuildContext } from './render-build-context.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-export-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function sourceDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, 'src-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

interface ParsedImage {
  /** The instructions of the last stage: the image that runs. */
  final: Instruction[];
  all: Instruction[];
  stages: number;
  /** The context's files, relative to `build/<name>/`. */
  context: Set<string>;
  dockerignore: string;
}

function parseImage(service: ExportedService, mlaasVersion = '0.1.0'): ParsedImage {
  const prefix = `build/${service.name}/`;
  const { files } = renderBuildContext(service, mlaasVersion);
  const dockerfile = files.find((file) => file.path === `${prefix}Dockerfile`);
  const dockerignore = files.find((file) => file.path === `${prefix}.dockerignore`);
  const parsed = DockerfileParser.parse(String(dockerfile?.content));
  const all = parsed.getInstructions();
  const lastFrom = all.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return {
    final: all.slice(lastFrom),
    all,
    stages: parsed.getFROMs().length,
    context: new Set(files.map((file) => file.path.slice(prefix.length))),
    dockerignore: String(dockerignore?.content),
  };
}

const args = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());
const keyword = (instructions: Instruction[], name: string) => instructions.filter((i) => i.getKeyword() === name);

/** COPY / ADD sources taken from the build context (not `--from=` another stage). */
function contextSources(image: ParsedImage): string[] {
  return keyword(image.all, 'COPY')
    .concat(keyword(image.all, 'ADD'))
    .filter((i) => !(i instanceof Copy && i.getFromFlag() !== null))
    .flatMap((i) => args(i).slice(0, -1));
}

function envOf(instructions: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of instructions.filter((i) => i instanceof Env)) {
    for (const property of instruction.getProperties()) {
      env[property.getName()] = property.getValue() ?? '';
    }
  }
  return env;
}

function expectContainerContract(image: ParsedImage, command: string[]): void {
  // .dockerignore's patterns here mean the same in gitignore syntax, which mlaas's own matcher reads.
  const ignored = compileIgnoreRules(image.dockerignore.split('\n'));
  for (const source of contextSources(image)) {
    if (source === '.') continue;
    expect(image.context, `COPY source ${source}`).toContain(source);
    expect(ignored(source, false), `COPY source ${source} left out by .dockerignore`).toBe(false);
  }
  const users = keyword(image.final, 'USER').map((i) => args(i).join(' '));
  expect(users).toHaveLength(1);
  expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
  expect(keyword(image.final, 'EXPOSE').map(args)).toEqual([['8080']]);
  expect(envOf(image.final)).toMatchObject({ PORT: '8080', MLAAS_LISTEN_HOST: '0.0.0.0', HOME: '/tmp' });
  expect(keyword(image.final, 'WORKDIR').map(args)).toEqual([['/app']]);
  const cmd = keyword(image.final, 'CMD');
  expect(cmd).toHaveLength(1);
  expect(JSON.parse(cmd[0]?.getArgumentsContent() ?? '')).toEqual(command);
}

describe('renderDockerfile', () => {
  it('builds the spam-filter (node, esbuild build script) in two stages: npm ci with dev deps and the build, then npm ci --omit=dev', () => {
    const image = parseImage(spamFilterService(root));
    expectContainerContract(image, ['node', 'dist/server.js']);
    expect(image.stages).toBe(2);
    const runs = keyword(image.all, 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs.filter((r) => r.includes('npm ci --include=dev'))).toHaveLength(1);
    expect(runs.some((r) => r.includes('npm run build'))).toBe(true);
    const finalRuns = keyword(image.final, 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n');
    expect(finalRuns).toContain('npm ci --omit=dev');
    // onnxruntime-node ships every platform's binaries; the image runs on Linux only.
    expect(finalRuns).toContain("find node_modules -type d -path '*/onnxruntime-node/bin/*' \\( -name darwin -o -name win32 \\) -prune -exec rm -rf {} +");
    const fromBuild = image.final.filter((i) => i instanceof Copy && i.getFromFlag()?.getValue() === 'build');
    expect(fromBuild.map(args)).toEqual([['/app/', './']]);
    // server.ts imports mlaas/sdk and its lockfile does not bring mlaas: npm does, at the exporting version.
    expect(keyword(image.all, 'ARG').map(args)).toContainEqual(['MLAAS_PACKAGE=mlaas@0.1.0']);
    expect(envOf(image.final)['MLAAS_MODEL_CLASSIFIER']).toBe('/app/models/classifier.onnx');
    // package.json denies onnxruntime-node's CUDA download (allowScripts), which the image's npm 10 does not read.
    for (const stage of [image.all, image.final]) expect(envOf(stage)['ONNXRUNTIME_NODE_INSTALL']).toBe('skip');
    // .mlaasignore keeps the training code, tests and the local model out of the context.
    expect(image.context).toContain('server.ts');
    expect([...image.context].filter((f) => f.endsWith('.test.ts') || f.startsWith('model/') || f === 'train.ts')).toEqual([]);
  });

  it('builds the FastAPI example on slim Python with pip install -r requirements.txt', () => {
    const image = parseImage(fastapiService());
    expectContainerContract(image, ['python', 'serve.py']);
    expect(keyword(image.all, 'FROM').map(args)).toEqual([['python:3.12-slim-bookworm']]);
    expect(keyword(image.all, 'RUN').map((i) => i.getArgumentsContent())).toEqual(['pip install --no-cache-dir -r requirements.txt']);
    expect(image.context).toContain('requirements.txt');
  });

  it('installs @mlaas/sdk alone, without the platform, for a service that imports only it (mlaas init --template ts)', () => {
    const dir = sourceDir(tsTemplateFiles('hello'));
    const image = parseImage(exportedService('hello', 'node', { source: dir, command: ['node', 'dist/server.js'] }));
    expectContainerContract(image, ['node', 'dist/server.js']);
    expect(keyword(image.all, 'ARG').map(args)).toContainEqual(['MLAAS_PACKAGE=@mlaas/sdk@0.1.0']);
    expect(keyword(image.final, 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n')).toContain('npm install --no-save --ignore-scripts --omit=dev');
  });

  it('installs the Linux packages of apt.txt in a python image', () => {
    const dir = sourceDir({ 'requirements.txt': 'fastapi\n', 'apt.txt': '# OCR\ntesseract-ocr\nlibgl1\n', 'main.py': 'print(1)\n' });
    const image = parseImage(exportedService('ocr', 'python', { source: dir, command: ['python', 'main.py'] }));
    expectContainerContract(image, ['python', 'main.py']);
    const runs = keyword(image.all, 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs[0]).toMatch(/apt-get install -y --no-install-recommends tesseract-ocr libgl1/);
  });

  it('installs the requirements of pyproject.toml when there is no requirements.txt', () => {
    const dir = sourceDir({ 'pyproject.toml': '[project]\nname = "x"\ndependencies = ["fastapi"]\n', 'main.py': 'print(1)\n' });
    const image = parseImage(exportedService('py', 'python', { source: dir, command: ['python', 'main.py'] }));
    expectContainerContract(image, ['python', 'main.py']);
    expect(keyword(image.all, 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n')).toContain('pip install --no-cache-dir -r /tmp/requirements.txt');
  });

  it("runs mlaas's ONNX server installed from npm at the exporting version, with the models and settings in its env", () => {
    const image = parseImage(onnxService(root), '0.3.0');
    expectContainerContract(image, ['node', '/opt/mlaas/lib/node_modules/mlaas/dist/src/serving/onnx-server-main.js']);
    expect(keyword(image.all, 'ARG').map(args)).toEqual([['MLAAS_PACKAGE=mlaas@0.3.0']]);
    expect(keyword(image.all, 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n')).toMatch(
      /npm install --global --ignore-scripts .*--prefix \/opt\/mlaas "\$MLAAS_PACKAGE"[^]*find \/opt\/mlaas .*-name darwin -o -name win32/,
    );
    expect(envOf(image.final)).toMatchObject({
      MLAAS_SERVICE: 'inference',
      MLAAS_MODEL_SPAM: '/app/models/spam.onnx',
      MLAAS_ONNX_MAX_BATCH_SIZE: '16',
      MLAAS_ONNX_PAD_INDICES: '0',
      MLAAS_ONNX_VERSION_SPAM: '3',
    });
    expect([...image.context].sort()).toEqual(['.dockerignore', 'Dockerfile', 'models/spam.onnx']);
  });

  it('runs a plain source on the official image of its interpreter, else on Debian slim and says what is missing', () => {
    const dir = sourceDir({ 'server.py': 'print(1)\n' });
    const python = parseImage(exportedService('py', 'plain', { source: dir, command: ['python3', 'server.py'] }));
    expectContainerContract(python, ['python3', 'server.py']);
    expect(keyword(python.all, 'FROM').map(args)).toEqual([['python:3.12-slim-bookworm']]);

    const other = exportedService('tool', 'plain', { source: dir, command: ['uvx', 'server.py'] });
    expect(keyword(parseImage(other).all, 'FROM').map(args)).toEqual([['debian:bookworm-slim']]);
    expect(renderBuildContext(other, '0.1.0').unsupported).toEqual([
      {
        path: 'services.tool.command',
        detail: '"uvx" comes from this machine locally; the image is debian:bookworm-slim plus the source, so declare the Debian package that provides it in apt.txt',
      },
    ]);
  });

  it('gives the same bytes when rendered twice', () => {
    const render = () => renderBuildContext(spamFilterService(root), '0.1.0').files.find((f) => f.path.endsWith('/Dockerfile'))?.content;
    expect(render()).toBe(render());
  });
});

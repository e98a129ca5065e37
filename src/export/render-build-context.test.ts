// The build context of a service: what mlaas packs for it and its models, copied from their local files, plus
// the Dockerfile and .dockerignore mlaas writes; nothing depends on where the output directory is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listPackedFiles } from '../artifacts/pack-source.js';
import { exportedService, fastapiService, modelFile, REPO_ROOT, spamFilterService } from './fixtures/exported-services.js';
import { imageKindOf } from './image-kind.js';
import { renderBuildContext } from './render-build-context.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-export-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function sourceDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('renderBuildContext', () => {
  it('copies exactly the files mlaas packs, each from its source file, and the models from the store', () => {
    const service = spamFilterService(root);
    const { files, unsupported } = renderBuildContext(service, '0.1.0');
    const source = path.join(REPO_ROOT, 'examples/spam-filter');
    const copied = files.filter((file) => file.from !== undefined);
    expect(copied.map((file) => file.path)).toEqual(
      [...listPackedFiles(source).map((f) => `build/spam-filter/${f}`), 'build/spam-filter/models/classifier.onnx'].sort(),
    );
    for (const file of copied) {
      expect(file.from).toBe(
        file.path.endsWith('.onnx') ? service.models[0]?.localPath : path.join(source, file.path.slice('build/spam-filter/'.length)),
      );
    }
    // Written by mlaas: no absolute path of this machine inside them.
    for (const file of files.filter((f) => f.from === undefined)) expect(String(file.content)).not.toContain(REPO_ROOT);
    expect(files.filter((f) => f.from === undefined).map((f) => f.path)).toEqual(['build/spam-filter/.dockerignore', 'build/spam-filter/Dockerfile']);
    expect(unsupported).toEqual([]);
  });

  it("replaces a source's own Dockerfile and says so", () => {
    const dir = sourceDir({ 'requirements.txt': 'fastapi\n', 'main.py': 'print(1)\n', Dockerfile: 'FROM scratch\n' });
    const { files, unsupported } = renderBuildContext(exportedService('own', 'python', { source: dir, command: ['python', 'main.py'] }), '0.1.0');
    const dockerfiles = files.filter((file) => file.path === 'build/own/Dockerfile');
    expect(dockerfiles).toHaveLength(1);
    expect(dockerfiles[0]?.from).toBeUndefined();
    expect(String(dockerfiles[0]?.content)).toContain('FROM python:3.12-slim-bookworm');
    expect(unsupported).toEqual([
      { path: 'services.own.source: Dockerfile', detail: 'replaced by the Dockerfile mlaas export writes (build/own/Dockerfile)' },
    ]);
  });

  it('refuses a source file where a model goes, naming both', () => {
    const dir = sourceDir({ 'requirements.txt': 'fastapi\n', 'models/clf.onnx': 'old bytes' });
    const service = exportedService('clash', 'python', { source: dir, command: ['python', 'main.py'], models: { clf: 'spam' } }, [
      modelFile(root, 'clf'),
    ]);
    expect(() => renderBuildContext(service, '0.1.0')).toThrow(
      'services.clash.models.clf: the image takes it at models/clf.onnx, but the source has a file there too; leave it out with .mlaasignore or rename it',
    );
  });

  it('refuses a node source with dependencies and no lockfile, as mlaas deploy does, and a package.json that is not JSON', () => {
    const noLock = sourceDir({ 'package.json': JSON.stringify({ dependencies: { zod: '^4' } }), 'server.js': '' });
    const service = exportedService('nolock', 'node', { source: noLock, command: ['node', 'server.js'] });
    expect(() => renderBuildContext(service, '0.1.0')).toThrow(
      'services.nolock: package.json declares 1 dependencies but the source has no package-lock.json: run `npm install --package-lock-only` in the service directory and export again',
    );
    const broken = sourceDir({ 'package.json': '{ nope', 'server.js': '' });
    expect(() => renderBuildContext(exportedService('broken', 'node', { source: broken, command: ['node', 'server.js'] }), '0.1.0')).toThrow(
      /package\.json: expected a JSON object, got an unreadable file/,
    );
  });

  it('runs a node source without dependencies or build script in one stage, with no npm step', () => {
    const dir = sourceDir({ 'package.json': JSON.stringify({ name: 'tiny', type: 'module' }), 'server.js': 'console.log(1)\n' });
    const dockerfile = String(
      renderBuildContext(exportedService('tiny', 'node', { source: dir, command: ['node', 'server.js'] }), '0.1.0').files.find((f) =>
        f.path.endsWith('/Dockerfile'),
      )?.content,
    );
    expect(dockerfile.match(/^FROM .*/gm)).toEqual(['FROM node:20-bookworm-slim']);
    expect(dockerfile).not.toMatch(/^RUN /m);
    expect(dockerfile).toContain('\nCOPY . .\n');
  });

  it('gives the same files when rendered twice', () => {
    expect(renderBuildContext(fastapiService(), '0.1.0')).toEqual(renderBuildContext(fastapiService(), '0.1.0'));
  });
});

describe('imageKindOf', () => {
  it('reads a source as the local build does, and runtime: onnx as the ONNX server', () => {
    expect(imageKindOf(spamFilterService(root).config)).toBe('node');
    expect(imageKindOf(fastapiService().config)).toBe('python');
    expect(imageKindOf({ runtime: 'process', source: sourceDir({ 'pyproject.toml': '[project]\n' }) })).toBe('python');
    expect(imageKindOf({ runtime: 'process', source: sourceDir({ 'run.sh': 'echo\n' }) })).toBe('plain');
    expect(imageKindOf({ runtime: 'onnx', source: path.join(REPO_ROOT, 'examples/spam-filter') })).toBe('onnx');
  });
});

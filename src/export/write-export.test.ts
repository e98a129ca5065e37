import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertOutsideSources, EXPORT_MARKER, writeExport } from './write-export.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mlaas-write-export-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const readme = { path: 'README.md', content: `${EXPORT_MARKER}\n# x\n` };

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('writeExport', () => {
  it('writes nested files, copies `from` files, and a second export leaves no stale file', async () => {
    const out = path.join(tmp, 'out');
    const source = path.join(tmp, 'model.onnx');
    writeFileSync(source, 'bytes');
    await writeExport(out, [readme, { path: 'build/a/Dockerfile', content: 'FROM x\n' }, { path: 'build/a/models/m.onnx', content: '', from: source }]);
    expect(tree(out)).toEqual(['README.md', 'build/a/Dockerfile', 'build/a/models/m.onnx']);
    expect(readFileSync(path.join(out, 'build/a/models/m.onnx'), 'utf8')).toBe('bytes');

    await writeExport(out, [readme, { path: 'services/b.yaml', content: 'kind: Service\n' }]);
    expect(tree(out)).toEqual(['README.md', 'services/b.yaml']);
  });

  it('refuses a directory it did not write, and leaves it as it was', async () => {
    const out = path.join(tmp, 'project');
    mkdirSync(out);
    writeFileSync(path.join(out, 'README.md'), '# my project\n');
    await expect(writeExport(out, [readme])).rejects.toMatchObject({ code: 'EXPORT_OUT_INVALID', message: expect.stringContaining('not an earlier export') });
    expect(tree(out)).toEqual(['README.md']);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('# my project\n');
  });

  it('refuses a file as --out, and a path that leaves the directory', async () => {
    const file = path.join(tmp, 'file');
    writeFileSync(file, 'x');
    await expect(writeExport(file, [readme])).rejects.toMatchObject({ code: 'EXPORT_OUT_INVALID' });
    await expect(writeExport(path.join(tmp, 'o'), [readme, { path: '../escape', content: 'x' }])).rejects.toMatchObject({ code: 'EXPORT_OUT_INVALID' });
    expect(readdirSync(tmp).sort()).toEqual(['file']);
  });
});

describe('assertOutsideSources', () => {
  it('refuses an output directory inside a service’s source, naming the service, and takes one beside it', () => {
    const sources = [{ name: 'spam-filter', source: path.join(tmp, 'app') }];
    expect(() => assertOutsideSources(path.join(tmp, 'app', 'deploy'), sources)).toThrow(/inside the source of service spam-filter/);
    expect(() => assertOutsideSources(path.join(tmp, 'app'), sources)).toThrow(/inside the source of service spam-filter/);
    expect(() => assertOutsideSources(path.join(tmp, 'deploy'), sources)).not.toThrow();
    expect(() => assertOutsideSources(path.join(tmp, 'application'), sources)).not.toThrow();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { listPackedFiles, packSource } from './pack-source.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function writeTree(dir: string, files: Record<string, string>, mode = 0o644): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode);
  }
}

async function entriesOf(bytes: Buffer): Promise<string[]> {
  const file = path.join(root, `list-${Math.random()}.tar.gz`);
  fs.writeFileSync(file, bytes);
  const names: string[] = [];
  await tar.list({ file, onReadEntry: (entry) => names.push(entry.path) });
  return names;
}

describe('packSource', () => {
  it('gives the same digest for the same files whatever their mtimes, permissions and creation order', async () => {
    const a = fs.mkdtempSync(path.join(root, 'a-'));
    const b = fs.mkdtempSync(path.join(root, 'b-'));
    writeTree(a, { 'server.js': 'console.log(1)\n', 'lib/x.js': 'export const x = 1;\n' }, 0o644);
    writeTree(b, { 'lib/x.js': 'export const x = 1;\n', 'server.js': 'console.log(1)\n' }, 0o664);
    fs.utimesSync(path.join(b, 'server.js'), new Date('2001-02-03'), new Date('2001-02-03'));

    const packedA = await packSource(a);
    const packedB = await packSource(b);
    expect(packedA.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(packedB.digest).toBe(packedA.digest);
    expect(packedA.files).toBe(2);

    fs.writeFileSync(path.join(b, 'server.js'), 'console.log(2)\n');
    expect((await packSource(b)).digest).not.toBe(packedA.digest);
  });

  it('leaves out node_modules/, .git/ and what .mlaasignore lists, and reports progress per file', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'ignore-'));
    writeTree(dir, {
      '.mlaasignore': '# training only\nmodel/\n*.test.ts\n/train.ts\n',
      'server.ts': 's',
      'server.test.ts': 't',
      'train.ts': 'root train',
      'lib/train.ts': 'nested train is kept',
      'model/spam.onnx': 'weights',
      'node_modules/zod/index.js': 'z',
      '.git/HEAD': 'ref',
    });
    const progress: Array<[number, number]> = [];
    const packed = await packSource(dir, { onProgress: (done, total) => progress.push([done, total]) });
    const names = await entriesOf(packed.bytes);
    expect(names.filter((n) => !n.endsWith('/')).sort()).toEqual(['.mlaasignore', 'lib/train.ts', 'server.ts']);
    expect(packed.files).toBe(3);
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(listPackedFiles(dir)).toEqual(['.mlaasignore', 'lib/train.ts', 'server.ts']);
  });

  it('refuses a missing directory and an empty one with ARTIFACT_INVALID', async () => {
    await expect(packSource(path.join(root, 'nope'))).rejects.toMatchObject({ code: 'ARTIFACT_INVALID' });
    const empty = fs.mkdtempSync(path.join(root, 'empty-'));
    const err = await packSource(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlaasError);
    expect((err as MlaasError).message).toContain('found none');
  });
});

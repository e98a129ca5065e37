import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { LARGE_FILE_BYTES, listSource } from './list-source.js';
import { listPackedFiles } from './pack-source.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-list-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function source(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function refusal(fn: () => unknown): MlaasError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlaasError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('listSource', () => {
  it('leaves out .mlaas/, .git/, node_modules/, logs and .env files by default, and says so', () => {
    const dir = source({
      'server.js': '1',
      '.mlaas/state.db': 'db',
      '.git/HEAD': 'ref',
      'node_modules/x/index.js': 'x',
      'debug.log': 'log',
      '.env': 'A=1',
      '.env.local': 'B=2',
    });
    const { listing } = listSource(dir);
    expect(listing.fileEntries).toEqual(['server.js']);
    expect(listing.leftOut).toEqual(['.env', '.env.local', '.git/', '.mlaas/', 'debug.log', 'node_modules/']);
  });

  it('leaves out the platform state directory wherever it sits in the source', () => {
    const dir = source({ 'server.js': '1', 'var/platform/admin-token': 't', 'var/keep.txt': 'k' });
    expect(listPackedFiles(dir, { stateDir: path.join(dir, 'var', 'platform') })).toEqual(['server.js', 'var/keep.txt']);
    expect(listSource(dir, { stateDir: path.join(dir, 'var', 'platform') }).listing.leftOut).toEqual(['var/platform/']);
  });

  it('refuses a secret-looking file by its path unless .mlaasignore takes it back with a ! line', () => {
    const dir = source({ 'server.js': '1', 'config/admin-token': 't', 'tls/server.pem': 'p' });
    const err = refusal(() => listSource(dir));
    expect(err.code).toBe('ARTIFACT_SOURCE_REFUSED');
    expect(err.errors?.map((e) => e.path)).toEqual(['config/admin-token', 'tls/server.pem']);
    expect(err.message).toContain('!config/admin-token');

    fs.writeFileSync(path.join(dir, '.mlaasignore'), '!config/admin-token\ntls/\n');
    expect(listPackedFiles(dir)).toEqual(['.mlaasignore', 'config/admin-token', 'server.js']);
  });

  it('packs .env only when .mlaasignore un-ignores it explicitly', () => {
    const dir = source({ 'server.js': '1', '.env': 'A=1', '.mlaasignore': '!.env\n' });
    expect(listPackedFiles(dir)).toEqual(['.env', '.mlaasignore', 'server.js']);
  });

  it('keeps a relative symbolic link inside the source and refuses absolute ones and ones that leave it, by path', () => {
    const dir = source({ 'server.js': '1', 'lib/a.js': 'a' });
    fs.symlinkSync('lib/a.js', path.join(dir, 'inside.js'));
    expect(listPackedFiles(dir)).toEqual(['inside.js', 'lib/a.js', 'server.js']);

    fs.symlinkSync('/etc/hostname', path.join(dir, 'absolute'));
    fs.symlinkSync('../../outside', path.join(dir, 'lib', 'escape'));
    const err = refusal(() => listSource(dir));
    expect(err.code).toBe('ARTIFACT_SOURCE_REFUSED');
    expect(err.errors).toEqual([
      { path: 'absolute', message: expect.stringContaining('absolute path (/etc/hostname)') },
      { path: 'lib/escape', message: expect.stringContaining('out of the source') },
    ]);
  });

  it('lists files over the size limit (packed, for a warning)', () => {
    const dir = source({ 'server.js': '1', 'model.bin': '' });
    fs.truncateSync(path.join(dir, 'model.bin'), LARGE_FILE_BYTES + 1);
    const { listing } = listSource(dir);
    expect(listing.fileEntries).toEqual(['model.bin', 'server.js']);
    expect(listing.largeFiles).toEqual([{ path: 'model.bin', bytes: LARGE_FILE_BYTES + 1 }]);
  });
});

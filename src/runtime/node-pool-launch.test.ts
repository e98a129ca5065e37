import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { esmPackageEntry } from './esm-package-entry.js';
import { nodePoolLaunchOf } from './node-pool-launch.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-launch-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function writeFile(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const app = path.join(root, 'app');
writeFile(path.join(app, 'dist', 'server.js'), '');
writeFile(path.join(app, 'node_modules', 'zod', 'package.json'), JSON.stringify({ main: './index.cjs', exports: { types: './x.d.ts', require: './index.cjs', import: './index.js' } }));
writeFile(path.join(app, 'node_modules', 'zod', 'index.js'), '');
writeFile(path.join(app, 'node_modules', 'zod', 'index.cjs'), '');
writeFile(path.join(app, 'node_modules', 'onnxruntime-node', 'package.json'), JSON.stringify({ main: 'dist/index.js' }));
writeFile(path.join(app, 'node_modules', 'onnxruntime-node', 'dist', 'index.js'), '');
const env = { PATH: path.dirname(process.execPath), LANG: 'C.UTF-8', PORT: '4000', MLAAS_INSTANCE: 'a-1', FIXTURE: 'x', MLAAS_OWNER: '/srv' };

describe('esmPackageEntry', () => {
  it('finds the file an import loads: the import condition of exports, else main', () => {
    const from = path.join(app, 'dist', 'server.js');
    expect(esmPackageEntry('zod', from)).toBe(fs.realpathSync(path.join(app, 'node_modules', 'zod', 'index.js')));
    expect(esmPackageEntry('onnxruntime-node', from)).toBe(fs.realpathSync(path.join(app, 'node_modules', 'onnxruntime-node', 'dist', 'index.js')));
    expect(esmPackageEntry('@mlaas/sdk', path.join(root, 'elsewhere.js'))).toBeUndefined();
  });
});

describe('nodePoolLaunchOf', () => {
  it('puts instances of one kind in one pool, whatever their port, id and own variables', () => {
    const a = nodePoolLaunchOf(['node', 'dist/server.js'], app, env, { MLAAS_OWNER: '/srv' });
    const b = nodePoolLaunchOf(['node', 'dist/server.js', '--verbose'], app, { ...env, PORT: '4001', MLAAS_INSTANCE: 'b-2', FIXTURE: 'y' }, { MLAAS_OWNER: '/srv' });
    expect(a?.key).toBe(b?.key);
    expect(a).toMatchObject({ program: 'node', argv: ['dist/server.js'], env: { LANG: 'C.UTF-8', MLAAS_OWNER: '/srv' } });
    expect(Object.keys(a?.env ?? {}).sort()).toEqual(['LANG', 'MLAAS_OWNER']);
    expect(a?.preloads).toEqual([
      fs.realpathSync(path.join(app, 'node_modules', 'onnxruntime-node', 'dist', 'index.js')),
      fs.realpathSync(path.join(app, 'node_modules', 'zod', 'index.js')),
    ]);
  });

  it('keeps apart instances whose locale, time zone or Node variables differ: those are read when a process starts', () => {
    const base = nodePoolLaunchOf(['node', 'dist/server.js'], app, env)?.key;
    expect(nodePoolLaunchOf(['node', 'dist/server.js'], app, { ...env, TZ: 'Europe/Paris' })?.key).not.toBe(base);
    expect(nodePoolLaunchOf(['node', 'dist/server.js'], app, { ...env, NODE_ENV: 'production' })?.key).not.toBe(base);
    expect(nodePoolLaunchOf(['node', 'dist/server.js'], app, { ...env, UV_THREADPOOL_SIZE: '8' })?.key).not.toBe(base);
  });

  it('leaves out what a pooled process cannot become: Node options, another program, a missing script', () => {
    expect(nodePoolLaunchOf(['node', '--inspect', 'dist/server.js'], app, env)).toBeUndefined();
    expect(nodePoolLaunchOf(['node', 'dist/server.js'], app, { ...env, NODE_OPTIONS: '--max-old-space-size=100' })).toBeUndefined();
    expect(nodePoolLaunchOf(['python3', 'app.py'], app, { ...env, PATH: '/usr/bin' })).toBeUndefined();
    expect(nodePoolLaunchOf(['node'], app, env)).toBeUndefined();
    expect(nodePoolLaunchOf(['node', 'dist/missing.js'], app, env)).toBeUndefined();
  });
});

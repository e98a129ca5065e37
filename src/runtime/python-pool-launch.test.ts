import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRELOADED_MODULES, pythonPoolLaunchOf } from './python-pool-launch.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-pylaunch-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function writeFile(file: string, text: string, mode = 0o644): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  return file;
}

// A venv's interpreter is a symlink to the system's; a pyenv shim is a shell script named python.
const venvBin = path.join(root, 'venv', 'bin');
fs.mkdirSync(venvBin, { recursive: true });
fs.symlinkSync(fs.realpathSync('/usr/bin/python3'), path.join(venvBin, 'python'));
const shimBin = path.join(root, 'shims');
writeFile(path.join(shimBin, 'python'), '#!/bin/sh\nexec /usr/bin/python3 "$@"\n', 0o755);
const app = path.join(root, 'app');
writeFile(path.join(app, 'serve.py'), '');
const vendored = path.join(root, 'vendored');
writeFile(path.join(vendored, 'serve.py'), '');
writeFile(path.join(vendored, 'pydantic', '__init__.py'), '');
writeFile(path.join(vendored, 'uvicorn.py'), '');
const env = { PATH: `${venvBin}:/usr/bin`, VIRTUAL_ENV: path.join(root, 'venv'), LANG: 'C.UTF-8', HOME: '/home/svc', PORT: '4000', MLAAS_INSTANCE: 'a-1', FIXTURE: 'x', MLAAS_OWNER: '/srv' };

describe('pythonPoolLaunchOf', () => {
  it('puts instances of one venv and start-up environment in one pool, whatever their port, id and own variables', () => {
    const a = pythonPoolLaunchOf(['python', 'serve.py'], app, env, { MLAAS_OWNER: '/srv' });
    const b = pythonPoolLaunchOf(['python', 'serve.py', '--reload'], app, { ...env, PORT: '4001', MLAAS_INSTANCE: 'b-2', FIXTURE: 'y' }, { MLAAS_OWNER: '/srv' });
    expect(a?.key).toBe(b?.key);
    expect(a).toMatchObject({
      runtime: 'python',
      program: 'python',
      executable: path.join(venvBin, 'python'),
      argv0: path.join(venvBin, 'python'),
      argv: ['serve.py'],
      preloads: PRELOADED_MODULES,
      env: { HOME: '/home/svc', LANG: 'C.UTF-8', MLAAS_OWNER: '/srv' },
    });
    expect(Object.keys(a?.env ?? {})).toEqual(['HOME', 'LANG', 'MLAAS_OWNER']);
  });

  it('keeps apart instances whose interpreter, locale, time zone or Python variables differ: those are read when the interpreter starts', () => {
    const base = pythonPoolLaunchOf(['python', 'serve.py'], app, env)?.key;
    expect(base).toBeDefined();
    expect(pythonPoolLaunchOf(['python3', 'serve.py'], app, { ...env, PATH: '/usr/bin' })?.key).not.toBe(base);
    expect(pythonPoolLaunchOf(['python', 'serve.py'], app, { ...env, TZ: 'Europe/Paris' })?.key).not.toBe(base);
    expect(pythonPoolLaunchOf(['python', 'serve.py'], app, { ...env, LC_ALL: 'C' })?.key).not.toBe(base);
    expect(pythonPoolLaunchOf(['python', 'serve.py'], app, { ...env, PYTHONPATH: '/opt/lib' })?.key).not.toBe(base);
    expect(pythonPoolLaunchOf(['python', 'serve.py'], app, { ...env, PYTHONHASHSEED: '0' })?.key).not.toBe(base);
  });

  it('does not import ahead what the script’s own directory would shadow', () => {
    const launch = pythonPoolLaunchOf(['python', 'serve.py'], vendored, env);
    expect(launch?.preloads).toEqual(PRELOADED_MODULES.filter((m) => !m.startsWith('uvicorn') && m !== 'pydantic'));
  });

  it('leaves out what a pooled process cannot become exactly: options, -m, -c, another program, a shim, a missing script', () => {
    expect(pythonPoolLaunchOf(['python', '-u', 'serve.py'], app, env)).toBeUndefined();
    expect(pythonPoolLaunchOf(['python', '-m', 'serve'], app, env)).toBeUndefined();
    expect(pythonPoolLaunchOf(['python', '-c', 'import serve'], app, env)).toBeUndefined();
    expect(pythonPoolLaunchOf(['python'], app, env)).toBeUndefined();
    expect(pythonPoolLaunchOf(['sh', 'serve.py'], app, env)).toBeUndefined();
    expect(pythonPoolLaunchOf(['python', 'serve.py'], app, { ...env, PATH: shimBin })).toBeUndefined();
    expect(pythonPoolLaunchOf(['python', 'missing.py'], app, env)).toBeUndefined();
    expect(pythonPoolLaunchOf(['python', 'app.pyz'], app, env)).toBeUndefined();
  });
});

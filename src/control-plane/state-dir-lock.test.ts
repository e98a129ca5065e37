import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { LOCK_FILE, lockStateDir } from './state-dir-lock.js';

const dirs: string[] = [];
function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-lock-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited: nobody owns a lock written with it. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockStateDir', () => {
  it('refuses a second owner while the first lives, naming its pid and URLs', () => {
    const dir = stateDir();
    const lock = lockStateDir(dir);
    lock.update({ gatewayUrl: 'http://127.0.0.1:8080', adminUrl: 'http://127.0.0.1:8081' });
    let refused: unknown;
    try {
      lockStateDir(dir);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(MlaasError);
    expect((refused as MlaasError).code).toBe('PLATFORM_STATE_DIR_IN_USE');
    expect((refused as MlaasError).message).toContain(`pid ${process.pid} (gateway http://127.0.0.1:8080, admin http://127.0.0.1:8081)`);
    expect(fs.statSync(path.join(dir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock whose owner is gone', () => {
    const dir = stateDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), startTime: '1' }));
    const lock = lockStateDir(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (a recycled pid)', () => {
    const dir = stateDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, startTime: 'not-this-process' }));
    const lock = lockStateDir(dir);
    const owner = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number; startTime: string };
    expect(owner.pid).toBe(process.pid);
    expect(owner.startTime).toMatch(/^\d+$/);
    lock.release();
  });

  it('takes over a half-written lock (its writer was killed mid-write)', () => {
    const dir = stateDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), '{"pi');
    const lock = lockStateDir(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });
});

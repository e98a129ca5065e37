/**
 * One owner per state directory. `mlaas up` takes `<stateDir>/lock` (its pid
 * and the process's start time, so a recycled pid is not mistaken for a live
 * owner) before it touches anything — before orphan reaping, which would
 * otherwise kill a running platform's instances. A second `up` is refused
 * with the first one's pid and URLs; a lock whose owner is gone is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MlaasError } from '../errors.js';

export const LOCK_FILE = 'lock';

export interface LockOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); absent where there is no /proc. */
  startTime?: string;
  gatewayUrl?: string;
  adminUrl?: string;
}

export interface StateDirLock {
  /** Adds the URLs, for the message a second `up` prints. */
  update(urls: { gatewayUrl: string; adminUrl: string }): void;
  /** Removes the lock, if it is still this process's. */
  release(): void;
}

export interface LockOptions {
  pid?: number;
  procDir?: string;
}

/**
 * @throws MlaasError PLATFORM_STATE_DIR_IN_USE naming the live owner.
 * @example
 * const lock = lockStateDir('.mlaas');
 * lock.update({ gatewayUrl, adminUrl });
 * process.once('exit', () => lock.release());
 */
export function lockStateDir(stateDir: string, options: LockOptions = {}): StateDirLock {
  const pid = options.pid ?? process.pid;
  const procDir = options.procDir ?? '/proc';
  const file = path.join(stateDir, LOCK_FILE);
  const me: LockOwner = { pid, startTime: startTimeOf(pid, procDir) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      return lockOf(file, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(file);
    if (owner !== undefined && isAlive(owner, procDir)) {
      const where = [owner.gatewayUrl && `gateway ${owner.gatewayUrl}`, owner.adminUrl && `admin ${owner.adminUrl}`].filter(Boolean).join(', ');
      throw new MlaasError(
        'PLATFORM_STATE_DIR_IN_USE',
        `${stateDir} is in use by mlaas pid ${owner.pid}${where === '' ? '' : ` (${where})`}: stop it first (Ctrl-C, or kill ${owner.pid}), or give this one another stateDir`,
      );
    }
    // Its owner is gone (kill -9, a crash, a reboot): the lock is stale.
    fs.rmSync(file, { force: true });
  }
  throw new MlaasError('PLATFORM_STATE_DIR_IN_USE', `${stateDir}: could not take ${file}; another mlaas is starting on it`);
}

function lockOf(file: string, me: LockOwner): StateDirLock {
  let current = me;
  return {
    update(urls) {
      current = { ...me, ...urls };
      const temp = `${file}.${me.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify(current), { mode: 0o600 });
      fs.renameSync(temp, file);
    },
    release() {
      const owner = readOwner(file);
      if (owner?.pid === me.pid && owner.startTime === me.startTime) fs.rmSync(file, { force: true });
    },
  };
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof value.pid === 'number' ? (value as LockOwner) : undefined;
  } catch {
    // Unreadable or half-written by a process killed mid-write: nobody holds it.
    return undefined;
  }
}

function isAlive(owner: LockOwner, procDir: string): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(owner.pid, procDir);
  return owner.startTime === undefined || now === undefined || now === owner.startTime;
}

function startTimeOf(pid: number, procDir: string): string | undefined {
  try {
    const stat = fs.readFileSync(path.join(procDir, String(pid), 'stat'), 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

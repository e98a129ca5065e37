import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OWNER_ENV, reapOrphans } from './reap-orphans.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('reapOrphans', () => {
  it('kills the processes marked with this owner and leaves others alone', async () => {
    const owner = `/tmp/state-${process.pid}-${Date.now()}`;
    const keep = ['-e', 'setTimeout(() => {}, 30000)'];
    const mine = spawn(process.execPath, keep, { env: { ...process.env, [OWNER_ENV]: owner }, detached: true, stdio: 'ignore' });
    const other = spawn(process.execPath, keep, { env: { ...process.env, [OWNER_ENV]: `${owner}-other` }, stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const killed = reapOrphans(owner);
      expect(killed).toEqual([mine.pid]);
      await new Promise((r) => mine.once('exit', r));
      expect(alive(mine.pid as number)).toBe(false);
      expect(alive(other.pid as number)).toBe(true);
    } finally {
      mine.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });
});

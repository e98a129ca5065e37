/**
 * Whether a pid is a process still running. A killed HAProxy worker whose
 * master died first is reparented to whoever reaps orphans here, and may sit
 * as a zombie a while: `kill(pid, 0)` still succeeds on it, yet it holds no
 * socket and serves nothing.
 */
import fs from 'node:fs';

export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: `pid (comm) state ...`; comm may hold spaces, so read after its closing paren.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

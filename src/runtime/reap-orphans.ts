/**
 * After `mlaas up` was killed without a chance to stop its instances
 * (kill -9, a crash), they keep running in their own process groups. On the
 * next start, before anything else, this finds them by the owner mark the
 * platform puts in every instance's environment and kills them, so old
 * instances neither hold ports nor serve stale code. Linux: reads /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable that marks an instance as belonging to one state dir. */
export const OWNER_ENV = 'MLAAS_OWNER';

export function reapOrphans(owner: string, procDir = '/proc'): number[] {
  const mark = `${OWNER_ENV}=${owner}`;
  const killed: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return killed;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`${procDir}/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (!environ.split('\0').includes(mark)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}

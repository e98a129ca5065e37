/**
 * Publishing a directory all at once: it is prepared under a temporary name
 * beside its final one and renamed into place, so nobody ever sees a half
 * built artifact or dependency layer. When two builders race, the rename of
 * the second one fails (the target exists and is not empty): it discards
 * its copy and uses the winner's.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const TEMP_PREFIX = '.tmp-';

/** A fresh temporary directory beside `finalDir`, named after this process so a sweep can tell a dead builder's leftovers. */
export function makeTempDir(finalDir: string): string {
  const dir = path.join(
    path.dirname(finalDir),
    `${TEMP_PREFIX}${path.basename(finalDir)}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Renames `tempDir` to `finalDir`; false (and `tempDir` removed) when another builder published it first. */
export function publishDir(tempDir: string, finalDir: string): boolean {
  try {
    fs.renameSync(tempDir, finalDir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    fs.rmSync(tempDir, { recursive: true, force: true });
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporary directories in `parent` left by builders that died (a crash during `npm ci` leaves hundreds of MB). */
export function sweepDeadTemps(parent: string): void {
  if (!fs.existsSync(parent)) return;
  for (const name of fs.readdirSync(parent)) {
    const pid = /^\.tmp-.*-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) {
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    }
  }
}

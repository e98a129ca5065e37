/**
 * Start-up housekeeping of `mlaas up`: an older mlaas kept source archives in
 * the state dir; builds now read them from the artifact cache.
 */
import { copyFileSync, existsSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';

/** Source archives an older mlaas kept in the state dir, copied where builds now read them, so their revisions still start. */
export function adoptOldArchives(oldDir: string, newDir: string): void {
  if (!existsSync(oldDir)) return;
  for (const name of readdirSync(oldDir)) {
    const target = path.join(newDir, name);
    if (!name.endsWith('.tar.gz') || existsSync(target)) continue;
    copyFileSync(path.join(oldDir, name), `${target}.${process.pid}.tmp`);
    renameSync(`${target}.${process.pid}.tmp`, target);
  }
}

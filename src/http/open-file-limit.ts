/**
 * The process's soft limit of open files (RLIMIT_NOFILE), which the default
 * connection caps stay under. Node has no API for it; Linux shows it in
 * /proc/self/limits. Elsewhere it assumes 1024, the usual soft default.
 */
import { readFileSync } from 'node:fs';

const FALLBACK = 1024;

let cached: number | undefined;

export function openFileLimit(): number {
  cached ??= parseOpenFileLimit(readLimits());
  return cached;
}

/** The soft "Max open files" of a /proc/<pid>/limits text; `unlimited` or an unreadable line gives the fallback. */
export function parseOpenFileLimit(limits: string | undefined): number {
  const soft = /^Max open files\s+(\d+)/m.exec(limits ?? '')?.[1];
  return soft === undefined ? FALLBACK : Number(soft);
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

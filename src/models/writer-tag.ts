/**
 * Names what a writer leaves before it publishes (a temp file, a model's
 * bytes before its meta.json) after the process writing it, `<host>.<pid>`,
 * so that whoever finds it later can tell a write in progress from one
 * abandoned by a process that died (kill -9, a crash, a power cut).
 */
import os from 'node:os';

/** Past this age a leftover counts as abandoned even when its writer cannot be checked (another host). */
export const ABANDONED_AFTER_MS = 24 * 3_600_000;

/** This host as a key segment: letters, digits and `-` only, as `.` separates the tag's parts. */
const HOST = os.hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63) || 'host';

/** `<host>.<pid>` of this process. */
export const WRITER_TAG = `${HOST}.${process.pid}`;

/** Matches a writer tag inside a longer name: host in group 1, pid in group 2. */
export const WRITER_TAG_PATTERN = '([A-Za-z0-9-]+)\\.([0-9]+)';

/**
 * True when a leftover of `host`/`pid`, `ageMs` old, will never be finished:
 * its writer ran on this host and is gone, or it is older than ABANDONED_AFTER_MS.
 * A live process with the same pid keeps it: better kept a day than lost.
 */
export function isAbandoned(host: string, pid: number, ageMs: number): boolean {
  if (ageMs > ABANDONED_AFTER_MS) return true;
  if (host !== HOST) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

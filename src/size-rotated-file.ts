/**
 * A log file rotated by size: when `file` has taken about `maxBytes`, it is
 * renamed `file.1` (`file.1` becoming `file.2`, …, the one past `keep`
 * deleted) and writing goes on in a new `file`. Lines are kept in memory and
 * written in batches (one write per BATCH_CHARS, and at least every
 * FLUSH_MS), in order, by one write at a time: a request log costs the
 * gateway an array push per request, not a system call. Lines written before
 * a rotation still go to the old file (now `file.1`); none is lost or split.
 */
import { chmodSync, close, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, write } from 'node:fs';
import path from 'node:path';

export interface SizeRotatedFileOptions {
  file: string;
  maxBytes: number;
  /** Rotated files kept beside `file`. */
  keep: number;
}

/** What is gathered before a write: a request log line is a few hundred bytes. */
const BATCH_CHARS = 64 * 1024;
/** The longest a line waits in memory: `mlaas logs --follow` shows it well within a second. */
export const FLUSH_MS = 200;
/** Past this much waiting for a slow disk, new lines are dropped rather than memory grown without bound. */
const MAX_QUEUED_CHARS = 64 * 1024 * 1024;

type Job = { fd: number; data: string } | { close: number };

export class SizeRotatedFile {
  readonly file: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd: number;
  /** Characters written to the current file: bytes for the ASCII of JSON lines, close enough for a size limit. */
  #size: number;
  #pending: string[] = [];
  #pendingChars = 0;
  readonly #jobs: Job[] = [];
  #queuedChars = 0;
  #busy = false;
  #idle: Array<() => void> = [];
  readonly #timer: NodeJS.Timeout;

  /** Opens (appends to) `file`, synchronously. */
  constructor(options: SizeRotatedFileOptions) {
    this.file = options.file;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep;
    mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
    this.#fd = this.#open();
    this.#size = fstatSync(this.#fd).size;
    this.#timer = setInterval(() => this.#flush(), FLUSH_MS).unref();
  }

  /** False when the line was dropped: too much is still waiting for the disk. */
  write(line: string): boolean {
    if (this.#queuedChars + this.#pendingChars > MAX_QUEUED_CHARS) return false;
    this.#pending.push(line);
    this.#pendingChars += line.length;
    this.#size += line.length;
    if (this.#size >= this.#maxBytes) this.#rotate();
    else if (this.#pendingChars >= BATCH_CHARS) this.#flush();
    return true;
  }

  /** Writes what is left and closes the file. */
  close(): Promise<void> {
    clearInterval(this.#timer);
    this.#flush();
    this.#jobs.push({ close: this.#fd });
    this.#next();
    return new Promise((resolve) => this.#whenIdle(resolve));
  }

  #open(): number {
    const fd = openSync(this.file, 'a', 0o600);
    // Owner-only, as everything in the state dir, also when the file existed with other bits.
    chmodSync(this.file, 0o600);
    return fd;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const data = this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    this.#jobs.push({ fd: this.#fd, data });
    this.#queuedChars += data.length;
    this.#next();
  }

  #rotate(): void {
    this.#flush();
    this.#jobs.push({ close: this.#fd });
    rmSync(`${this.file}.${this.#keep}`, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
    this.#fd = this.#open();
    this.#size = 0;
    this.#next();
  }

  /** Runs the jobs one at a time, in order: a batch's bytes never interleave with the next one's. */
  #next(): void {
    if (this.#busy) return;
    const job = this.#jobs.shift();
    if (job === undefined) {
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#busy = true;
    const done = (): void => {
      this.#busy = false;
      this.#next();
    };
    if ('close' in job) {
      close(job.close, done);
      return;
    }
    // A failed write (disk full) loses its batch; the log must never take the gateway down.
    write(job.fd, job.data, () => {
      this.#queuedChars -= job.data.length;
      done();
    });
  }

  #whenIdle(resolve: () => void): void {
    if (!this.#busy && this.#jobs.length === 0) resolve();
    else this.#idle.push(resolve);
  }
}

/**
 * A log file rotated by size, as a pino destination: when `file` has taken
 * about `maxBytes`, it is renamed `file.1` (`file.1` becoming `file.2`, …, the
 * one past `keep` deleted) and writing goes on in a new `file`. Writes are
 * buffered and asynchronous (SonicBoom, pino's own destination); at a
 * rotation the old file's buffer still drains into it (now `file.1`) while new
 * lines go to the new one, so nothing is lost and no line is split.
 */
import { chmodSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import pino from 'pino';

export interface SizeRotatedFileOptions {
  file: string;
  maxBytes: number;
  /** Rotated files kept beside `file`. */
  keep: number;
}

type Boom = ReturnType<typeof pino.destination>;

/** What is buffered before a write; a request log line is a few hundred bytes. */
const BATCH_BYTES = 8 * 1024;
/** The longest a line waits in the buffer: `mlaas logs --follow` shows it well within a second. */
export const FLUSH_MS = 200;

export class SizeRotatedFile {
  readonly file: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #boom: Boom;
  /** Characters written to the current file: bytes for the ASCII of JSON lines, close enough for a size limit. */
  #size: number;
  /** Files of earlier rotations still draining. */
  readonly #draining = new Set<Promise<unknown>>();

  /** Opens (appends to) `file`, synchronously, so that an exit right after can still flush it. */
  constructor(options: SizeRotatedFileOptions) {
    this.file = options.file;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep;
    mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
    const { boom, size } = this.#open();
    this.#boom = boom;
    this.#size = size;
  }

  write(chunk: string): boolean {
    const ok = this.#boom.write(chunk);
    this.#size += chunk.length;
    if (this.#size >= this.#maxBytes) this.#rotate();
    return ok;
  }

  flush(cb?: (err?: Error) => void): void {
    this.#boom.flush(cb);
  }

  /** pino's exit flush. */
  flushSync(): void {
    this.#boom.flushSync();
  }

  /** Flushes and closes the file, and waits for rotated ones still draining. */
  async close(): Promise<void> {
    await Promise.all([end(this.#boom), ...this.#draining]);
  }

  #open(): { boom: Boom; size: number } {
    const fd = openSync(this.file, 'a', 0o600);
    // Owner-only, as everything in the state dir, also when the file existed with other bits.
    chmodSync(this.file, 0o600);
    // Lines are written out in batches (one write per few KiB, not one per request), and at least every FLUSH_MS.
    return { boom: pino.destination({ fd, sync: false, minLength: BATCH_BYTES, periodicFlush: FLUSH_MS }), size: fstatSync(fd).size };
  }

  #rotate(): void {
    rmSync(`${this.file}.${this.#keep}`, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
    const old = this.#boom;
    const { boom, size } = this.#open();
    this.#boom = boom;
    this.#size = size;
    const drained = end(old).finally(() => this.#draining.delete(drained));
    this.#draining.add(drained);
  }
}

function end(boom: Boom): Promise<unknown> {
  const closed = once(boom, 'close');
  boom.end();
  return closed;
}

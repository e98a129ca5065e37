/**
 * Reads the logs `mlaas logs` shows: a service's instance logs
 * (`<logsDir>/<service>/<instance>.log`) or its lines of the request log
 * (`<logsDir>/requests.log`), JSON lines filtered by revision, instance and
 * time; then, read again, only what was appended since (`--follow`), new
 * instances' files included. A line still being written is left for the next read.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

export interface LogQuery {
  service: string;
  revision?: string | undefined;
  instance?: string | undefined;
  /** Lines from this time on (ms since the epoch). */
  sinceMs?: number | undefined;
  /** The request log instead of the instances' logs. */
  requests: boolean;
}

export const REQUEST_LOG_FILE = 'requests.log';
/** At most this much of a file is read at once: a huge log is shown from its end. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

export class LogTail {
  readonly #dir: string;
  readonly #query: LogQuery;
  /** File → offset read up to (just after a newline). */
  readonly #offsets = new Map<string, number>();

  constructor(logsDir: string, query: LogQuery) {
    this.#dir = logsDir;
    this.#query = query;
  }

  /** The matching lines appended since the last read (all of them the first time), oldest first. */
  read(): string[] {
    const found: { time: number; line: string }[] = [];
    for (const file of this.#files()) {
      for (const line of this.#newLines(file)) {
        const record = parse(line);
        if (record !== undefined && this.#matches(record)) found.push({ time: typeof record['time'] === 'number' ? record['time'] : 0, line });
      }
    }
    // Stable: lines of one file keep their order when their times tie.
    return found.sort((a, b) => a.time - b.time).map((f) => f.line);
  }

  #files(): string[] {
    if (this.#query.requests) return [path.join(this.#dir, REQUEST_LOG_FILE)];
    const dir = path.join(this.#dir, this.#query.service);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .filter((name) => this.#query.instance === undefined || name === `${this.#query.instance}.log`)
      .map((name) => path.join(dir, name));
  }

  #newLines(file: string): string[] {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return [];
    }
    let from = this.#offsets.get(file) ?? 0;
    // Rotated (a new, shorter file under the same name): start it from the top.
    if (size < from) from = 0;
    if (size - from > MAX_READ_BYTES) from = size - MAX_READ_BYTES;
    if (size === from) return [];
    const buffer = Buffer.alloc(size - from);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, from);
    } finally {
      closeSync(fd);
    }
    const end = buffer.lastIndexOf(0x0a);
    if (end < 0) return [];
    this.#offsets.set(file, from + end + 1);
    return buffer.subarray(0, end).toString('utf8').split('\n');
  }

  #matches(record: Record<string, unknown>): boolean {
    const q = this.#query;
    if (q.sinceMs !== undefined && !(typeof record['time'] === 'number' && record['time'] >= q.sinceMs)) return false;
    if (q.revision !== undefined && record['revision'] !== q.revision) return false;
    if (!q.requests) return true;
    return record['service'] === q.service && (q.instance === undefined || record['instance'] === q.instance);
  }
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

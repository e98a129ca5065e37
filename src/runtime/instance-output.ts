/**
 * An instance's log: what its process writes on stdout and stderr, and what
 * the runtime says about it (starting, exits), as JSON lines in the
 * platform's format (pino's: `level`, `time` in ms, `msg`) with `service`,
 * `revision`, `instance` and `stream`. A line that is a JSON object already
 * (the SDK's log, any structured logger) keeps its fields, these four set by
 * the runtime whatever it said; any other line becomes the `msg` of one.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export type OutputStream = 'stdout' | 'stderr' | 'mlaas';

/** Longer lines are cut into pieces of this many characters, so a process without newlines cannot grow the buffer. */
export const MAX_LINE_CHARS = 16 * 1024;

/** How many of the last stderr lines an exit's reason quotes, and how much of each. */
const TAIL_LINES = 3;
const TAIL_LINE_CHARS = 300;

const INFO = 30;

export interface InstanceLabels {
  service: string;
  revision: string | undefined;
  instance: string;
}

export class InstanceOutput {
  readonly #out: fs.WriteStream;
  readonly #labels: InstanceLabels;
  readonly #open = new Set<Promise<void>>();
  readonly #stderrTail: string[] = [];

  /** Appends to `file` (owner-only), opened now so that a failure to open is the caller's at once. */
  constructor(file: string, labels: InstanceLabels) {
    const fd = fs.openSync(file, 'a', 0o600);
    this.#out = fs.createWriteStream(file, { fd });
    // A logs directory removed under a running platform (a test's temp dir) must not crash it.
    this.#out.on('error', () => undefined);
    this.#labels = labels;
  }

  /** The runtime's own line about the instance. */
  note(msg: string): void {
    this.#write(this.#line(msg, 'mlaas'));
  }

  /** Copies a stream of the process, line by line, until it ends. */
  attach(stream: Readable, name: 'stdout' | 'stderr'): void {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const ended = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        pending += decoder.write(chunk);
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          this.#take(pending.slice(0, nl), name);
          pending = pending.slice(nl + 1);
        }
        while (pending.length >= MAX_LINE_CHARS) {
          this.#take(pending.slice(0, MAX_LINE_CHARS), name);
          pending = pending.slice(MAX_LINE_CHARS);
        }
      });
      stream.once('close', () => {
        pending += decoder.end();
        if (pending !== '') this.#take(pending, name);
        resolve();
      });
    });
    this.#open.add(ended);
  }

  /**
   * The last few lines the process wrote on stderr, once its streams have
   * ended or `waitMs` has passed (a child it left behind may hold them open).
   */
  async stderrTail(waitMs: number): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(this.#open), waited]);
    clearTimeout(timer);
    return [...this.#stderrTail];
  }

  /** Once the attached streams have ended: writes the last note, if any, and closes the file. */
  async end(lastNote?: string): Promise<void> {
    await Promise.all(this.#open);
    if (lastNote !== undefined) this.note(lastNote);
    await new Promise<void>((resolve) => this.#out.end(resolve));
  }

  #take(text: string, stream: 'stdout' | 'stderr'): void {
    if (stream === 'stderr' && text.trim() !== '') {
      this.#stderrTail.push(text.length > TAIL_LINE_CHARS ? `${text.slice(0, TAIL_LINE_CHARS)}…` : text);
      if (this.#stderrTail.length > TAIL_LINES) this.#stderrTail.shift();
    }
    this.#write(this.#line(text, stream));
  }

  #write(line: string): void {
    if (!this.#out.destroyed) this.#out.write(line);
  }

  #line(text: string, stream: OutputStream): string {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    const { service, revision, instance } = this.#labels;
    const own = { service, revision, instance, stream };
    if (line.startsWith('{') && line.endsWith('}')) {
      const parsed = parseObject(line);
      if (parsed !== undefined) return `${JSON.stringify({ level: INFO, time: Date.now(), ...parsed, ...own })}\n`;
    }
    return `${JSON.stringify({ level: INFO, time: Date.now(), ...own, msg: line })}\n`;
  }
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

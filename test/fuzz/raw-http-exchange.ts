/**
 * Sends raw bytes to a server over one TCP connection and reads back every
 * HTTP/1.1 response it answers with, parsed by hand — a client library would
 * refuse the malformed requests the fuzzer sends, and would hide a second
 * response on the same socket or a request that never got one.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Exchange {
  responses: RawResponse[];
  /** Bytes after the last whole response: a truncated or unparseable answer. */
  trailing: number;
  /** How the exchange ended: the server closed, or we stopped waiting. */
  ended: 'closed' | 'enough' | 'timeout';
}

export interface ExchangeOptions {
  port: number;
  host?: string;
  /** Stop once this many responses arrived (keep-alive servers do not close). */
  expect: number;
  /** Give up after this long with no new response. */
  quietMs: number;
  /** The first request is a HEAD: its answer has no body, whatever its Content-Length says. */
  headFirst?: boolean;
}

/**
 * @example
 * const { responses } = await exchange([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], { port, expect: 1, quietMs: 2000 });
 */
export function exchange(chunks: readonly Buffer[], options: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(options.port, options.host ?? '127.0.0.1');
    let received = Buffer.alloc(0);
    let done = false;
    let timer: NodeJS.Timeout;
    const finish = (ended: Exchange['ended']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponses(received, ended === 'closed', options.headFirst === true);
      resolve({ responses: parsed.responses, trailing: parsed.rest, ended });
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish('timeout'), options.quietMs);
    };
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      arm();
    });
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (parseResponses(received, false, options.headFirst === true).responses.length >= options.expect) finish('enough');
      else arm();
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
  });
}

/**
 * Whole responses at the front of `bytes`; `closed` lets a body without a
 * length run to the end; `headFirst` reads the first final answer as bodiless.
 */
export function parseResponses(bytes: Buffer, closed: boolean, headFirst = false): { responses: RawResponse[]; rest: number } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const lines = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (status === null) break;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    const code = Number(status[1]);
    let body: Buffer;
    let next: number;
    if (code === 204 || code === 304 || (code >= 100 && code < 200) || (headFirst && responses.length === 0)) {
      body = Buffer.alloc(0);
      next = bodyStart;
    } else if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      const chunked = readChunked(bytes, bodyStart);
      if (chunked === undefined) break;
      [body, next] = chunked;
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (bytes.length < bodyStart + length) break;
      body = bytes.subarray(bodyStart, bodyStart + length);
      next = bodyStart + length;
    } else {
      if (!closed) break;
      body = bytes.subarray(bodyStart);
      next = bytes.length;
    }
    // Interim answers (100 Continue) are not answers to count.
    if (code >= 200) responses.push({ status: code, headers, body });
    at = next;
  }
  return { responses, rest: bytes.length - at };
}

function readChunked(bytes: Buffer, start: number): [Buffer, number] | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    const dataStart = lineEnd + 2;
    if (size === 0) {
      const end = bytes.indexOf('\r\n\r\n', lineEnd);
      return end < 0 ? undefined : [Buffer.concat(parts), end + 4];
    }
    if (bytes.length < dataStart + size + 2) return undefined;
    parts.push(bytes.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

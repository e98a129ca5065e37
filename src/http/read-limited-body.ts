/**
 * Reads a request body into one buffer, refusing it (413, with the caller's
 * code) as soon as it is over the limit — from Content-Length before
 * reading, or while reading a chunked body — so an oversized upload never
 * fills memory. The gateway, the built-in ONNX server and the SDK share it.
 */
import type { IncomingMessage } from 'node:http';
import { MlaasError, type ErrorCode } from '../errors.js';

const EMPTY = Buffer.alloc(0);

export function readLimitedBody(req: IncomingMessage, limitBytes: number, code: ErrorCode): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    return Promise.reject(tooLarge(code, limitBytes, `${declared} bytes declared`));
  }
  if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) {
    return Promise.resolve(EMPTY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge(code, limitBytes, `more than ${limitBytes} bytes sent`));
        return;
      }
      chunks.push(chunk);
    });
    // `on`, not `once`: each fires at most once for a body, and the promise settles once; `once` would wrap each listener per request.
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function tooLarge(code: ErrorCode, limit: number, found: string): MlaasError {
  return new MlaasError(code, `request body must be at most ${limit} bytes, got ${found}`);
}

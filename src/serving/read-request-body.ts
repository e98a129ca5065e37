/**
 * Reads an infer request's body into one buffer, refusing it (413) as soon as
 * it is over the limit, from Content-Length before reading or while reading a
 * chunked body, so an oversized upload never fills memory.
 */
import type { IncomingMessage } from 'node:http';
import { MlaasError } from '../errors.js';

export function readRequestBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) return Promise.reject(tooLarge(limitBytes, declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge(limitBytes, size));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

function tooLarge(limit: number, got: number): MlaasError {
  return new MlaasError('SERVING_BODY_TOO_LARGE', `request body must be at most ${limit} bytes, got ${got} or more`);
}

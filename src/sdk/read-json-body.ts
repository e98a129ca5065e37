/**
 * Reads a request body as JSON, refusing more than `limitBytes`. An empty
 * body reads as `undefined` so that the route's schema, not the JSON parser,
 * says what was expected.
 */
import type { IncomingMessage } from 'node:http';
import { MlaasError } from '../errors.js';

export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw tooLarge(limitBytes, `${declared} bytes declared`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes, `more than ${limitBytes} bytes sent`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
  } catch (err) {
    throw new MlaasError('SDK_JSON_MALFORMED', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function tooLarge(limitBytes: number, found: string): MlaasError {
  return new MlaasError('SDK_BODY_TOO_LARGE', `request body must be at most ${limitBytes} bytes, got ${found}`);
}

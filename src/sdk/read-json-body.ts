/**
 * Reads a request body as JSON, refusing more than `limitBytes` or nesting
 * deeper than MAX_JSON_DEPTH. An empty body reads as `undefined` so that the
 * route's schema, not the JSON parser, says what was expected.
 */
import type { IncomingMessage } from 'node:http';
import { MlaasError } from '../errors.js';
import { assertJsonDepth } from '../json-depth.js';
import { readLimitedBody } from '../http/read-limited-body.js';

export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const body = await readLimitedBody(req, limitBytes, 'SDK_BODY_TOO_LARGE');
  if (body.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new MlaasError('SDK_JSON_MALFORMED', `request body is not valid JSON: ${(err as Error).message}`);
  }
  // Before the schema: zod's recursive types and the handler would overflow the stack on it.
  assertJsonDepth(value, 'SDK_BODY_INVALID');
  return value;
}

/**
 * Reads a request body as JSON, refusing more than `limitBytes`. An empty
 * body reads as `undefined` so that the route's schema, not the JSON parser,
 * says what was expected.
 */
import type { IncomingMessage } from 'node:http';
import { MlaasError } from '../errors.js';
import { readLimitedBody } from '../read-limited-body.js';

export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const body = await readLimitedBody(req, limitBytes, 'SDK_BODY_TOO_LARGE');
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new MlaasError('SDK_JSON_MALFORMED', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Request identity: the caller's `x-request-id` and W3C `traceparent` are
 * kept when well-formed, otherwise the gateway starts new ones. The random
 * trace and span ids are cut from a pool of CSPRNG bytes refilled a few
 * kilobytes at a time, so that a request costs one hex encoding, not two
 * UUIDs and their string surgery.
 */
import { randomFillSync, randomUUID } from 'node:crypto';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A W3C traceparent of version 00: trace id, parent id, flags. */
export const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const NO_TRACE = '0'.repeat(32);

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let taken = POOL_BYTES;

export function requestIdOf(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Continues the caller's trace with a new span, or starts a sampled one. */
export function traceparentOf(sent: string | string[] | undefined): string {
  const m = typeof sent === 'string' ? TRACEPARENT.exec(sent) : null;
  if (m !== null && m[1] !== NO_TRACE) return `00-${m[1]}-${randomHex(8)}-${m[3]}`;
  // One encoding for both ids: the trace id's 32 hex digits, then the span id's 16.
  const ids = randomHex(24);
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-01`;
}

/** `bytes` random bytes as lowercase hex. */
function randomHex(bytes: number): string {
  if (taken + bytes > POOL_BYTES) {
    randomFillSync(pool);
    taken = 0;
  }
  const hex = pool.toString('hex', taken, taken + bytes);
  taken += bytes;
  return hex;
}

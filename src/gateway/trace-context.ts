/**
 * Request identity: the caller's `x-request-id` and W3C `traceparent` are
 * kept when well-formed, otherwise the gateway starts new ones. The random
 * trace and span ids are cut from a pool of CSPRNG bytes refilled a few
 * kilobytes at a time and hex-encoded once per refill, so that a request's
 * ids cost two substrings, not two UUIDs and their string surgery.
 */
import { randomFillSync, randomUUID } from 'node:crypto';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A W3C traceparent of version 00: trace id, parent id, flags. */
export const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const NO_TRACE = '0'.repeat(32);

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
/** The pool as hex, encoded once per refill: a request's ids are substrings of it, not an encoding each. */
let poolHex = '';
/** Hex digits of `poolHex` already used. */
let taken = POOL_BYTES * 2;

export function requestIdOf(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Continues the caller's trace with a new span, or starts a sampled one. */
export function traceparentOf(sent: string | string[] | undefined): string {
  const m = typeof sent === 'string' ? TRACEPARENT.exec(sent) : null;
  if (m !== null && m[1] !== NO_TRACE) return `00-${m[1]}-${randomHex(16)}-${m[3]}`;
  return `00-${randomHex(32)}-${randomHex(16)}-01`;
}

/** `digits` random lowercase hex digits. */
function randomHex(digits: number): string {
  if (taken + digits > poolHex.length) {
    randomFillSync(pool);
    poolHex = pool.toString('hex');
    taken = 0;
  }
  const hex = poolHex.substring(taken, taken + digits);
  taken += digits;
  return hex;
}

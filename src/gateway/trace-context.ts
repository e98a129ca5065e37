/**
 * Request identity: the caller's `x-request-id` and W3C `traceparent` are
 * kept when well-formed, otherwise the gateway starts new ones.
 */
import { randomUUID } from 'node:crypto';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A W3C traceparent of version 00: trace id, parent id, flags. */
export const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function requestIdOf(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Continues the caller's trace with a new span, or starts a sampled one. */
export function traceparentOf(sent: string | string[] | undefined): string {
  const spanId = randomUUID().replaceAll('-', '').slice(0, 16);
  const m = typeof sent === 'string' ? TRACEPARENT.exec(sent) : null;
  if (m !== null && m[1] !== '0'.repeat(32)) return `00-${m[1]}-${spanId}-${m[3]}`;
  return `00-${randomUUID().replaceAll('-', '')}-${spanId}-01`;
}

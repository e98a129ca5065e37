/**
 * `quotas` of mlaas.yaml: where the gateway counts its rate limits. Absent,
 * each gateway process counts in its own memory; with `redis`, every gateway
 * pointed at the same Redis shares every limit (per key, per tenant and the
 * gateway document's), and `failOpen` says what a gateway does while that
 * Redis cannot be reached.
 */
import { z } from 'zod';
import { duration, strictObject } from '../api/schema-fields.js';
import { describeValue } from '../api/zod-issues.js';

/**
 * The URL with its password (and a user given alone, which Redis takes as
 * the password) replaced by `***`, for logs and messages; the rest as written.
 *
 * @example
 * redactRedisUrl('redis://:s3cret@cache:6379/0'); // 'redis://:***@cache:6379/0'
 */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^/]*)@/, (_all, userInfo: string) => {
    const colon = userInfo.indexOf(':');
    return colon < 0 ? '//***@' : `//${userInfo.slice(0, colon)}:***@`;
  });
}

/** Why `url` is no Redis URL ioredis can use, or undefined when it is one. */
function redisUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return `the scheme is ${u.protocol.slice(0, -1)}`;
  if (u.hostname === '') return 'it names no host';
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) return `the path /${db} is no database number`;
  return undefined;
}

const redisUrl = z.string().superRefine((url, ctx) => {
  const problem = redisUrlProblem(url);
  if (problem !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a redis://[user:password@]host[:port][/db] or rediss:// URL, got ${describeValue(redactRedisUrl(url))} (${problem})`,
    });
  }
});

export const QuotaStoreSettingsSchema = strictObject({
  redis: redisUrl.describe(
    'The Redis every gateway counts its limits in, e.g. redis://:${REDIS_PASSWORD}@cache:6379/0 (rediss:// for TLS); its password is never logged.',
  ),
  failOpen: z
    .boolean()
    .default(true)
    .describe(
      'While Redis cannot be reached: true (default) serves and counts in each gateway’s memory, so N gateways admit up to N times a limit; false answers 503 GW_QUOTA_UNAVAILABLE to every request a limit applies to.',
    ),
  timeout: duration(10, 10_000)
    .default(500)
    .describe(
      'How long one check may wait for Redis before it counts as unreachable (default 500ms: far above a Redis round trip, and above the event-loop stalls of a loaded gateway, which would otherwise fire the timer first).',
    ),
}).describe(
  'Shared rate limits: every limit counted in one Redis, so that gateways in several processes or machines enforce it together. Absent: each gateway counts in its own memory.',
);

export type QuotaStoreSettings = z.output<typeof QuotaStoreSettingsSchema>;

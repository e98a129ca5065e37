import { describe, expect, it } from 'vitest';
import { ADMIN_MAX_CONNECTIONS, defaultGatewayMax } from './listener.js';
import { openFileLimit, parseOpenFileLimit } from './open-file-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63457                63457                processes
Max open files            20000                524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('the default connection caps', () => {
  it('read the soft open-file limit, and assume 1024 where it cannot be read', () => {
    expect(parseOpenFileLimit(LIMITS)).toBe(20_000);
    expect(parseOpenFileLimit(LIMITS.replace('20000 ', 'unlimited'))).toBe(1024);
    expect(parseOpenFileLimit(undefined)).toBe(1024);
  });

  it('give the gateway half the limit and leave the rest to upstreams, the admin API and files', () => {
    expect(defaultGatewayMax(20_000)).toBe(10_000);
    expect(defaultGatewayMax(1024)).toBe(512);
    expect(defaultGatewayMax(100)).toBe(50);
    expect(defaultGatewayMax() + ADMIN_MAX_CONNECTIONS).toBeLessThan(openFileLimit());
  });
});

import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { parseConfig } from './parse-config.js';
import { redactRedisUrl } from './quota-store-fields.js';

const at = { baseDir: '/srv/app', configPath: '/srv/app/mlaas.yaml' };

const withQuotas = (quotas: string): string => `
gateway:
  document: api-gateway.yaml
quotas:
${quotas}
`;

function failure(text: string): MlaasError {
  try {
    parseConfig(text, at);
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    return err as MlaasError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('quotas in mlaas.yaml', () => {
  it('is absent by default: limits counted in each gateway', () => {
    expect(parseConfig(withQuotas('  {}').replace('quotas:\n  {}', ''), at).quotas).toBeUndefined();
  });

  it('takes a redis:// URL, failOpen true and a 500ms timeout by default', () => {
    expect(parseConfig(withQuotas('  redis: redis://cache:6379/2'), at).quotas).toEqual({ redis: 'redis://cache:6379/2', failOpen: true, timeout: 500 });
    expect(parseConfig(withQuotas('  redis: rediss://:pw@cache\n  failOpen: false\n  timeout: 1s'), at).quotas).toEqual({
      redis: 'rediss://:pw@cache',
      failOpen: false,
      timeout: 1000,
    });
  });

  it('refuses a malformed URL at start-up with the field path, never showing its password', () => {
    const err = failure(withQuotas('  redis: http://admin:s3cret@cache:6379'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([
      {
        path: 'quotas.redis',
        message: 'expected a redis://[user:password@]host[:port][/db] or rediss:// URL, got "http://admin:***@cache:6379" (the scheme is http)',
      },
    ]);
    expect(JSON.stringify(err.errors) + err.message).not.toContain('s3cret');
    expect(failure(withQuotas('  redis: "cache:6379"')).errors?.[0]?.path).toBe('quotas.redis');
    expect(failure(withQuotas('  redis: redis://cache/zero')).errors?.[0]?.message).toContain('the path /zero is no database number');
  });

  it('masks the password in what it logs', () => {
    expect(redactRedisUrl('redis://:s3cret@cache:6379/0')).toBe('redis://:***@cache:6379/0');
    expect(redactRedisUrl('redis://app:s3cret@cache')).toBe('redis://app:***@cache');
    expect(redactRedisUrl('redis://s3cret@cache')).toBe('redis://***@cache');
    expect(redactRedisUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(redactRedisUrl('redis://:p@ss@cache/1')).toBe('redis://:***@cache/1');
    expect(redactRedisUrl('redis//x:s3cret@%zz')).not.toContain('s3cret');
  });
});

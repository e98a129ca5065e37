import { describe, expect, it } from 'vitest';
import { instanceEnvironment } from './instance-environment.js';

const platform = {
  PATH: '/usr/bin',
  HOME: '/home/ops',
  LANG: 'C.UTF-8',
  AWS_SECRET_ACCESS_KEY: 'platform-secret',
  DATABASE_URL: 'postgres://admin:pw@db/mlaas',
  MLAAS_ADMIN_TOKEN: 'mlat_x',
  AWS_REGION: 'eu-west-1',
};

const base = {
  base: platform,
  inherit: [],
  env: {},
  port: 4100,
  service: 'spam',
  revision: 'spam-00002',
  instanceId: 'spam-00002-ab',
  models: {},
  drainTimeoutMs: 10_000,
};

describe('instanceEnvironment', () => {
  it('passes PATH, HOME, LANG and TZ of the platform and nothing else of it', () => {
    expect(instanceEnvironment(base)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/ops',
      LANG: 'C.UTF-8',
      PORT: '4100',
      K_SERVICE: 'spam',
      K_REVISION: 'spam-00002',
      K_CONFIGURATION: 'spam',
      MLAAS_SERVICE: 'spam',
      MLAAS_REVISION: 'spam-00002',
      MLAAS_INSTANCE: 'spam-00002-ab',
      MLAAS_DRAIN_TIMEOUT_MS: '10000',
    });
  });

  it('passes the variables `env.inherit` names, and the service’s own env over them', () => {
    const env = instanceEnvironment({ ...base, inherit: ['AWS_REGION', 'NOT_SET'], env: { LOG_LEVEL: 'debug', PATH: '/opt/venv/bin:/usr/bin' } });
    expect(env['AWS_REGION']).toBe('eu-west-1');
    expect('NOT_SET' in env).toBe(false);
    expect(env['LOG_LEVEL']).toBe('debug');
    expect(env['PATH']).toBe('/opt/venv/bin:/usr/bin');
    expect(env['AWS_SECRET_ACCESS_KEY']).toBeUndefined();
  });

  it('sets what the platform owns last, so a service cannot fake its port, identity or models', () => {
    const env = instanceEnvironment({ ...base, env: { PORT: '1', MLAAS_MODEL_SPAM: '/tmp/evil' }, models: { spam: '/cache/ab/model.onnx' }, marks: { MLAAS_OWNER: '/srv/.mlaas' } });
    expect(env['PORT']).toBe('4100');
    expect(env['MLAAS_MODEL_SPAM']).toBe('/cache/ab/model.onnx');
    expect(env['MLAAS_OWNER']).toBe('/srv/.mlaas');
  });
});

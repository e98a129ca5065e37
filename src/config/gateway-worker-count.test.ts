import { describe, expect, it } from 'vitest';
import { gatewayWorkerCount } from './gateway-worker-count.js';

const cores = () => 6;

describe('gatewayWorkerCount', () => {
  it('takes gateway.workers when mlaas.yaml sets it, whatever the environment says', () => {
    expect(gatewayWorkerCount(3, { MLAAS_GATEWAY_WORKERS: '1' }, cores)).toBe(3);
  });

  it('takes MLAAS_GATEWAY_WORKERS when the setting is absent', () => {
    expect(gatewayWorkerCount(undefined, { MLAAS_GATEWAY_WORKERS: '2' }, cores)).toBe(2);
  });

  it('runs one worker per core when neither says', () => {
    expect(gatewayWorkerCount(undefined, {}, cores)).toBe(6);
    expect(gatewayWorkerCount(undefined, { MLAAS_GATEWAY_WORKERS: '' }, cores)).toBe(6);
  });

  it('refuses an environment value that is no whole number from 1 to 256, naming the variable and the value', () => {
    for (const bad of ['0', 'two', '1.5', '257']) {
      expect(() => gatewayWorkerCount(undefined, { MLAAS_GATEWAY_WORKERS: bad }, cores)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: `MLAAS_GATEWAY_WORKERS: must be a whole number from 1 to 256, got "${bad}"` }),
      );
    }
  });
});

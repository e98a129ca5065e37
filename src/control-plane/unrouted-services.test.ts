import { describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { unroutedMessage, unroutedServices } from './unrouted-services.js';

const op = (backend: GatewayOperation['backend']): GatewayOperation => ({
  method: 'POST',
  path: '/v1/x',
  backend,
  pathTranslation: 'APPEND_PATH_TO_ADDRESS',
  deadlineMs: 15_000,
  security: [],
  apiKeySchemes: [],
  configPath: 'paths./v1/x.post',
});

describe('unroutedServices', () => {
  it('names the services no mlaas:// address reaches, a tagged address counting as a route, an outside URL not', () => {
    const document = {
      title: 't',
      operations: [op({ kind: 'service', service: 'spam', tag: 'next', path: '/' }), op({ kind: 'url', url: 'http://127.0.0.1:9/ham' })],
    };
    expect(unroutedServices(['spam', 'ham', 'eggs'], document)).toEqual(['eggs', 'ham']);
    expect(unroutedMessage('ham')).toBe('service ham has no route in the gateway document (add a path whose x-google-backend.address is mlaas://ham/...)');
  });
});

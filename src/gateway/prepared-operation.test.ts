import { describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { backendPath, prepareOperation } from './prepared-operation.js';
import { compileRoutes } from './route-table.js';

const query = { name: 'api_key', type: 'apiKey' as const, in: 'query' as const, keyName: 'key' };

function op(path: string, pathTranslation: GatewayOperation['pathTranslation']): GatewayOperation {
  return {
    path,
    method: 'GET',
    security: [[query]],
    apiKeySchemes: [query],
    backend: { kind: 'url', url: 'https://backend.example/base' },
    pathTranslation,
    deadlineMs: 15_000,
    configPath: `paths.${path}.get`,
  };
}

function translate(template: string, translation: GatewayOperation['pathTranslation'], url: string): string {
  const table = compileRoutes([prepareOperation(op(template, translation))]);
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const m = table.match('GET', path);
  if (m.kind !== 'found') throw new Error(`${url}: ${m.kind}`);
  return backendPath(m.route, path, q < 0 ? '' : url.slice(q + 1), m.params);
}

describe('backendPath', () => {
  it('CONSTANT_ADDRESS: the caller’s query first, then the path variables, the key never', () => {
    expect(translate('/api/company/{cid}/user/{uid}', 'CONSTANT_ADDRESS', '/api/company/widgetworks/user/johndoe?timezone=EST&key=k')).toBe(
      '/base?timezone=EST&cid=widgetworks&uid=johndoe',
    );
  });

  it('CONSTANT_ADDRESS: a variable’s & and + are encoded, so the backend reads the value the path had', () => {
    expect(translate('/v1/{q}', 'CONSTANT_ADDRESS', '/v1/a&b=c')).toBe('/base?q=a%26b=c');
    expect(translate('/v1/{q}', 'CONSTANT_ADDRESS', '/v1/1+1')).toBe('/base?q=1%2B1');
  });

  it('APPEND_PATH_TO_ADDRESS: the request path after the address, trailing slash kept', () => {
    expect(translate('/v1/{q}', 'APPEND_PATH_TO_ADDRESS', '/v1/x/?key=k&a=1')).toBe('/base/v1/x/?a=1');
  });
});

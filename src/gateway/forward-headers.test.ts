import { describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { forwardHeaders, type ForwardContext } from './forward-headers.js';
import { prepareOperation } from './prepared-operation.js';

const prep = prepareOperation({
  path: '/v1/echo',
  method: 'GET',
  security: [],
  apiKeySchemes: [],
  backend: { kind: 'service', service: 'echo', path: '/echo' },
  pathTranslation: 'CONSTANT_ADDRESS',
  deadlineMs: 5_000,
  configPath: 'paths./v1/echo.get',
} satisfies GatewayOperation);

const ctx = (clientAddress: string | undefined, proto: 'http' | 'https' = 'http'): ForwardContext => ({
  requestId: 'r',
  traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
  tenantId: undefined,
  configHeader: undefined,
  userInfo: undefined,
  revision: undefined,
  clientAddress,
  proto,
});

describe('forwardHeaders', () => {
  it('describes each request by its own connection when callers, hosts and protocols alternate', () => {
    const seen = [
      forwardHeaders({ host: 'a.example' }, prep, ctx('10.0.0.1')),
      forwardHeaders({ host: 'b.example' }, prep, ctx('10.0.0.1')),
      forwardHeaders({ host: 'b.example' }, prep, ctx('::1')),
      forwardHeaders({ host: 'b.example' }, prep, ctx('::1', 'https')),
      forwardHeaders({}, prep, ctx(undefined)),
      forwardHeaders({ host: 'a.example' }, prep, ctx('10.0.0.1')),
    ].map((h) => h['forwarded']);
    expect(seen).toEqual([
      'for=10.0.0.1;host="a.example";proto=http',
      'for=10.0.0.1;host="b.example";proto=http',
      'for="[::1]";host="b.example";proto=http',
      'for="[::1]";host="b.example";proto=https',
      'proto=http',
      'for=10.0.0.1;host="a.example";proto=http',
    ]);
  });
});

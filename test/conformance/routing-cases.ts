/**
 * Conformance cases of routing: `mlaas://SERVICE/PATH` backends with both
 * path translations and path templates under the document's basePath, the
 * gateway's 404 and 405, an outside `http://` backend, and the request id and trace context that travel
 * with a request. (Which cases run where: conformance-cases.ts.)
 */
import { expect } from 'vitest';
import type { ConformanceCase } from './conformance-case.js';
import { expectProblem, expectServed } from './gateway-answer.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export const ROUTING_CASES: readonly ConformanceCase[] = [
  {
    name: 'APPEND_PATH_TO_ADDRESS: the instance gets the address path, then the whole request path (basePath included) and the query',
    haproxy: 'native',
    async run(p) {
      const get = expectServed(await p.send('/api/echo/a/b.txt?x=1&y=two', { key: p.keys.acme }));
      expect(get).toMatchObject({ method: 'GET', path: '/base/api/echo/a/b.txt', query: 'x=1&y=two', revision: 'echo-00001' });
      const post = expectServed(await p.send('/api/echo/dir/', { method: 'POST', key: p.keys.acme, body: '{"n":1}' }));
      expect(post).toMatchObject({ method: 'POST', path: '/base/api/echo/dir/', bodyBytes: 7 });
    },
  },
  {
    name: 'CONSTANT_ADDRESS: the instance gets the address path alone',
    haproxy: 'native',
    async run(p) {
      expect(expectServed(await p.send('/api/constant', { method: 'POST', key: p.keys.acme, body: 'x' }))).toMatchObject({
        method: 'POST',
        path: '/fixed',
        query: '',
      });
    },
  },
  {
    name: 'CONSTANT_ADDRESS: path template variables are appended to the query',
    haproxy: 'typescript',
    async run(p) {
      expect(expectServed(await p.send('/api/items/7?lang=en', { key: p.keys.acme }))).toMatchObject({ path: '/items', query: 'lang=en&id=7' });
    },
  },
  {
    name: 'an outside http:// backend gets the address path with the template variables in the query, and no API key',
    haproxy: 'typescript',
    async run(p) {
      const seen = expectServed(await p.send('/api/outside/42?lang=en', { key: p.keys.acme }));
      expect(seen).toMatchObject({ version: 'outside', method: 'GET', path: '/outside', query: 'lang=en&id=42' });
      expect(seen.headers['x-api-key']).toBeUndefined();
      expect(seen.headers['x-request-id']).toEqual(expect.any(String));
    },
  },
  {
    name: 'a path no operation matches, under the basePath or outside it, is 404 GW_ROUTE_NOT_FOUND',
    haproxy: 'typescript',
    async run(p) {
      expectProblem(await p.send('/api/nowhere', { key: p.keys.acme }), 404, 'GW_ROUTE_NOT_FOUND');
      expectProblem(await p.send('/echo/a', { key: p.keys.acme }), 404, 'GW_ROUTE_NOT_FOUND');
      expectProblem(await p.send('/api/items/7/more', { key: p.keys.acme }), 404, 'GW_ROUTE_NOT_FOUND');
    },
  },
  {
    name: 'a method the path does not accept is 405 GW_METHOD_NOT_ALLOWED naming the allowed ones',
    haproxy: 'typescript',
    async run(p) {
      const answer = await p.send('/api/constant', { key: p.keys.acme });
      expectProblem(answer, 405, 'GW_METHOD_NOT_ALLOWED');
      expect(answer.headers.get('allow')).toBe('POST');
      expectProblem(await p.send('/api/items/7', { method: 'DELETE', key: p.keys.acme }), 405, 'GW_METHOD_NOT_ALLOWED');
    },
  },
  {
    name: 'the caller’s x-request-id and traceparent reach the instance (the trace continued) and x-request-id comes back; without them the gateway makes them',
    haproxy: 'native',
    async run(p) {
      const sent = await p.send('/api/echo/trace', {
        key: p.keys.acme,
        headers: { 'x-request-id': 'conformance-req-1', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
      });
      const seen = expectServed(sent);
      expect(seen.headers['x-request-id']).toBe('conformance-req-1');
      expect(sent.headers.get('x-request-id')).toBe('conformance-req-1');
      expect(seen.headers['traceparent']).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));

      const fresh = await p.send('/api/echo/trace', { key: p.keys.acme });
      const made = expectServed(fresh).headers;
      expect(made['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{8,}$/);
      expect(fresh.headers.get('x-request-id')).toBe(made['x-request-id']);
      expect(made['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    },
  },
];

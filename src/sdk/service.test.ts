import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Problem } from '../errors.js';
import { reply, route, service, type Listening, type ServiceOptions } from './index.js';

const running: Listening[] = [];
const logged: Record<string, unknown>[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.close()));
  logged.length = 0;
});

async function start(options: Partial<ServiceOptions> = {}): Promise<{ url: string; listening: Listening }> {
  const app = service({ name: 'test', routes: [], log: (line) => logged.push(line), ...options });
  const listening = await app.listen({ port: 0, handleSignals: false });
  running.push(listening);
  return { url: `http://127.0.0.1:${listening.port}`, listening };
}

const predict = route({
  method: 'POST',
  path: '/predict',
  body: z.object({ text: z.string().min(1), options: z.object({ limit: z.number() }).optional() }),
  handler: ({ body }) => ({ length: body.text.length }),
});

async function problemOf(res: Response): Promise<Problem> {
  return (await res.json()) as Problem;
}

function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('routes', () => {
  it('answers a valid body with the handler result as 200 JSON and echoes the request id', async () => {
    const { url } = await start({ routes: [predict] });
    const res = await postJson(`${url}/predict`, JSON.stringify({ text: 'hello' }), { 'x-request-id': 'req-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(await res.json()).toEqual({ length: 5 });
  });

  it('answers 400 SDK_BODY_INVALID listing each bad field by its dotted path', async () => {
    const { url } = await start({ routes: [predict] });
    const res = await postJson(`${url}/predict`, JSON.stringify({ text: 42, options: { limit: 'x' } }), {
      'x-request-id': 'req-2',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await problemOf(res);
    expect(problem).toMatchObject({ status: 400, code: 'SDK_BODY_INVALID', requestId: 'req-2' });
    expect(problem.errors).toEqual([
      { path: 'text', message: 'expected string, received number' },
      { path: 'options.limit', message: 'expected number, received string' },
    ]);
  });

  it('answers 400 SDK_BODY_INVALID for a missing body on a route with a schema', async () => {
    const { url } = await start({ routes: [predict] });
    const res = await fetch(`${url}/predict`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('SDK_BODY_INVALID');
  });

  it('answers 400 SDK_JSON_MALFORMED for a body that is not JSON', async () => {
    const { url } = await start({ routes: [predict] });
    const res = await postJson(`${url}/predict`, '{"text": "unterminated');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('SDK_JSON_MALFORMED');
  });

  it('answers 413 SDK_BODY_TOO_LARGE above the default 1 MiB limit', async () => {
    const { url } = await start({ routes: [predict] });
    const res = await postJson(`${url}/predict`, JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 1) }));
    expect(res.status).toBe(413);
    expect((await problemOf(res)).code).toBe('SDK_BODY_TOO_LARGE');
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const { url } = await start({ routes: [predict], bodyLimitBytes: 100 });
    const chunks = [JSON.stringify({ text: 'a'.repeat(60) }).slice(0, 50), 'b'.repeat(80)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    const res = await fetch(`${url}/predict`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('logs a client that hangs up mid-body as gone, not as a handler failure', async () => {
    const { listening } = await start({ routes: [predict] });
    const socket = net.connect(listening.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"text":');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const messages = () => logged.map((line) => line['msg']);
    for (let attempt = 0; attempt < 100 && messages().length < 3; attempt++) await new Promise((r) => setTimeout(r, 10));
    expect(messages()).toContain('client closed the connection');
    expect(messages()).not.toContain('handler failed');
  });

  it('answers 400 SDK_BODY_INVALID naming the field for 10,000 levels of nesting, even where the schema walks any JSON', async () => {
    const store = route({ method: 'POST', path: '/store', body: z.object({ doc: z.json() }), handler: () => ({ stored: true }) });
    const { url } = await start({ routes: [store] });
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await postJson(`${url}/store`, `{"doc": ${deep}}`);
    const text = await res.text();
    expect(res.status).toBe(400);
    const problem = JSON.parse(text) as Problem;
    expect(problem.code).toBe('SDK_BODY_INVALID');
    expect(problem.errors?.[0]?.path).toMatch(/^doc(\[0\])+$/);
    expect(problem.errors?.[0]?.message).toMatch(/nested deeper than \d+ levels/);
    expect(text.length).toBeLessThan(4096);
  });

  it('keeps a 400 short when the body has thousands of bad fields and a huge unknown key', async () => {
    const tags = route({ method: 'POST', path: '/tags', body: z.strictObject({ tags: z.array(z.number()) }), handler: () => ({}) });
    const { url } = await start({ routes: [tags] });
    const body = JSON.stringify({ tags: Array.from({ length: 20_000 }, () => 'x'), ['k'.repeat(500_000)]: 1 });
    const res = await postJson(`${url}/tags`, body);
    const text = await res.text();
    expect(res.status).toBe(400);
    const problem = JSON.parse(text) as Problem;
    expect(problem.errors?.[0]).toEqual({ path: 'tags.0', message: 'expected number, received string' });
    expect(problem.detail).toMatch(/the first 50 of 20001 errors are listed/);
    expect(text.length).toBeLessThan(40_000);
  });

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    const { url } = await start({ routes: [predict] });
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe('SDK_ROUTE_NOT_FOUND');
    const wrong = await fetch(`${url}/predict`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await problemOf(wrong)).code).toBe('SDK_METHOD_NOT_ALLOWED');
  });

  it('answers 500 SDK_HANDLER_FAILED without the error message or stack when a handler throws', async () => {
    const boom = route({
      method: 'GET',
      path: '/boom',
      handler: () => {
        throw new Error('secret database password in message');
      },
    });
    const { url } = await start({ routes: [boom] });
    const res = await fetch(`${url}/boom`, { headers: { 'x-request-id': 'req-3' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret');
    expect(text).not.toContain('service.test.ts');
    expect(JSON.parse(text)).toMatchObject({ code: 'SDK_HANDLER_FAILED', requestId: 'req-3' });
    const failure = logged.find((line) => line['msg'] === 'handler failed');
    expect(failure).toMatchObject({ level: 'error', requestId: 'req-3', path: '/boom' });
    expect(JSON.stringify(failure)).toContain('secret database password');
  });

  it('sends the status, body and headers of reply(), and 204 for a handler that returns nothing', async () => {
    const created = route({ method: 'PUT', path: '/items', handler: () => reply(201, { id: 7 }, { location: '/items/7' }) });
    const empty = route({ method: 'DELETE', path: '/items', handler: () => undefined });
    const { url } = await start({ routes: [created, empty] });
    const res = await fetch(`${url}/items`, { method: 'PUT' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/items/7');
    expect(await res.json()).toEqual({ id: 7 });
    const gone = await fetch(`${url}/items`, { method: 'DELETE' });
    expect(gone.status).toBe(204);
  });

  it('refuses at start-up a route declared twice or on a path the SDK serves', () => {
    expect(() => service({ name: 'x', routes: [predict, predict] })).toThrow(/declared twice/);
    const health = route({ method: 'GET', path: '/healthz', handler: () => 'ok' });
    expect(() => service({ name: 'x', routes: [health] })).toThrow(/served by the SDK/);
  });
});

describe('tenant context', () => {
  const whoami = route({
    method: 'GET',
    path: '/whoami',
    handler: ({ tenant, config, revision, requestId, query }) => ({
      tenant,
      config,
      revision,
      requestId,
      q: query.get('q'),
    }),
  });

  it('gives the handler the tenant, its decoded config and the revision from the gateway headers', async () => {
    const { url } = await start({ routes: [whoami] });
    const config = Buffer.from(JSON.stringify({ threshold: 0.7, lang: 'de' })).toString('base64url');
    const res = await fetch(`${url}/whoami?q=1`, {
      headers: {
        'x-mlaas-tenant': 'acme',
        'x-mlaas-config': config,
        'x-mlaas-revision': 'spam-filter-00003',
        'x-request-id': 'req-4',
      },
    });
    expect(await res.json()).toEqual({
      tenant: 'acme',
      config: { threshold: 0.7, lang: 'de' },
      revision: 'spam-filter-00003',
      requestId: 'req-4',
      q: '1',
    });
  });

  it('gives each request the config its header says, as its own object, when the same headers come again and again', async () => {
    const grab = route({
      method: 'GET',
      path: '/grab',
      // A handler that changes its config must not change the next request's.
      handler: ({ config }) => {
        const seen = structuredClone(config);
        config['grabbed'] = true;
        return seen;
      },
    });
    const { url } = await start({ routes: [grab] });
    const headerOf = (config: object) => Buffer.from(JSON.stringify(config)).toString('base64url');
    const configs = [{ threshold: 0.7, nested: { list: [1, 2] } }, {}, { threshold: 0.2 }];
    const garbled = Buffer.from('{"a":').toString('base64url');
    for (let round = 0; round < 3; round++) {
      for (const config of configs) {
        const res = await fetch(`${url}/grab`, { headers: { 'x-mlaas-config': headerOf(config) } });
        expect(await res.json()).toEqual(config);
      }
      const res = await fetch(`${url}/grab`, { headers: { 'x-mlaas-config': garbled } });
      expect(await res.json()).toEqual({});
    }
    // More distinct headers than the SDK remembers, then the first ones again.
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${url}/grab`, { headers: { 'x-mlaas-config': headerOf({ i }) } });
      expect(await res.json()).toEqual({ i });
    }
    const again = await fetch(`${url}/grab`, { headers: { 'x-mlaas-config': headerOf(configs[0] as object) } });
    expect(await again.json()).toEqual(configs[0]);
  });

  it('gives an empty config for an absent, garbled, non-object or too deeply nested config header, and a generated request id', async () => {
    const { url } = await start({ routes: [whoami] });
    const deep = `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const garbled = ['%%%not-base64', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"a":').toString('base64url'), Buffer.from(deep).toString('base64url')];
    for (const header of garbled) {
      const res = await fetch(`${url}/whoami`, { headers: { 'x-mlaas-config': header } });
      const body = (await res.json()) as { config: unknown };
      expect(body.config).toEqual({});
    }
    const bare = (await (await fetch(`${url}/whoami`)).json()) as { tenant?: string; requestId: string };
    expect(bare).toMatchObject({ config: {}, q: null });
    expect(bare.tenant).toBeUndefined();
    expect(bare.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

interface OpenApiDoc {
  openapi: string;
  info: unknown;
  paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown> }>>;
  components: { schemas: { Problem: { required: string[] } } };
}

describe('readiness and documentation', () => {
  it('answers /healthz 503 until onStart has finished, then 200 {"status":"ok"}', async () => {
    let finishStart!: () => void;
    const gate = new Promise<void>((resolve) => (finishStart = resolve));
    const { url, listening } = await start({ routes: [predict], onStart: () => gate });
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    finishStart();
    await listening.ready;
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('rejects ready and stops listening when onStart fails', async () => {
    const app = service({
      name: 'broken',
      routes: [],
      log: (line) => logged.push(line),
      onStart: () => {
        throw new Error('model file missing');
      },
    });
    const listening = await app.listen({ port: 0, handleSignals: false });
    await expect(listening.ready).rejects.toThrow('model file missing');
    expect(logged.some((line) => line['msg'] === 'onStart failed; shutting down')).toBe(true);
    await listening.close();
    await expect(fetch(`http://127.0.0.1:${listening.port}/healthz`)).rejects.toThrow();
  });

  it('publishes an OpenAPI 3.0 document with request bodies from the zod schemas', async () => {
    const { url } = await start({ name: 'spam-filter', version: '1.2.0', routes: [predict] });
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDoc;
    expect(doc.openapi).toMatch(/^3\.0\./);
    expect(doc.info).toEqual({ title: 'spam-filter', version: '1.2.0' });
    const op = doc.paths['/predict']?.['post'];
    expect(op?.requestBody.content['application/json']?.schema).toMatchObject({
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', minLength: 1 } },
    });
    expect(Object.keys(op?.responses ?? {})).toEqual(['200', '400', '413', '500']);
    expect(doc.paths['/healthz']?.['get']?.responses['200']).toBeDefined();
    expect(doc.components.schemas.Problem.required).toContain('code');
  });
});

describe('listen address', () => {
  it('listens on MLAAS_LISTEN_HOST when set (an image sets 0.0.0.0), and only there', async () => {
    process.env['MLAAS_LISTEN_HOST'] = '127.0.0.2';
    try {
      const app = service({ name: 'test', routes: [], log: (line) => logged.push(line) });
      const listening = await app.listen({ port: 0, handleSignals: false });
      running.push(listening);
      await listening.ready;
      expect(listening.host).toBe('127.0.0.2');
      expect((await fetch(`http://127.0.0.2:${listening.port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${listening.port}/healthz`)).rejects.toThrow();
    } finally {
      delete process.env['MLAAS_LISTEN_HOST'];
    }
  });

  it('listens on 127.0.0.1 without MLAAS_LISTEN_HOST', async () => {
    const { listening } = await start();
    expect(listening.host).toBe('127.0.0.1');
  });
});

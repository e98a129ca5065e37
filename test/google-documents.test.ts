/**
 * Every document under test/fixtures/google/ — gateway documents written in
 * the forms Google's Endpoints and API Gateway docs use — loads and routes
 * as Google's gateway would route it, or is refused with the field path of
 * what mlaas does not implement. A file in the folder without an
 * expectation here fails the test, so none is skipped.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayDocument, type GatewayDocument } from '../src/config/index.js';
import { MlaasError } from '../src/errors.js';
import { backendPath, prepareOperation, type PreparedOperation } from '../src/gateway/prepared-operation.js';
import { compileRoutes } from '../src/gateway/route-table.js';

const FOLDER = path.join(import.meta.dirname, 'fixtures', 'google');

/** Where the gateway sends `METHOD URL`: the backend URL, or how it answers without one. */
interface Routed {
  to: string;
  authRequired: boolean;
  deadlineMs: number;
  prep: PreparedOperation;
}

type Route = (method: string, url: string) => Routed | 'not-found' | 'method-not-allowed';

function router(doc: GatewayDocument): Route {
  const table = compileRoutes(doc.operations.map(prepareOperation));
  return (method, url) => {
    const q = url.indexOf('?');
    const requestPath = q < 0 ? url : url.slice(0, q);
    const m = table.match(method, requestPath);
    if (m.kind !== 'found') return m.kind;
    const prep = m.route;
    const origin = prep.backend.kind === 'url' ? prep.backend.origin : `mlaas://${prep.backend.service}`;
    const to = origin + backendPath(prep, requestPath, q < 0 ? '' : url.slice(q + 1), m.params);
    return { to, authRequired: !prep.anonymous, deadlineMs: prep.deadlineMs, prep };
  };
}

type Expectation = { works: (doc: GatewayDocument, route: Route) => void } | { refused: string[] };

const to = (route: Route, method: string, url: string): string => {
  const r = route(method, url);
  return typeof r === 'string' ? r : r.to;
};

const EXPECTED: Record<string, Expectation> = {
  'api-key.yaml': {
    works: (doc, route) => {
      expect(to(route, 'GET', '/hello?key=AIza&name=ada')).toBe('https://hello-abcdef-uc.a.run.app/?name=ada');
      expect(route('GET', '/hello')).toMatchObject({ authRequired: true, prep: { keyLocations: [{ in: 'query', name: 'key' }] } });
      expect(doc.operations).toHaveLength(1);
    },
  },
  'endpoints-echo-sidecar.yaml': { refused: ['paths./echo.post.x-google-backend'] },
  'firebase-jwt.yaml': {
    works: (doc, route) => {
      expect(doc.operations[0]?.security).toEqual([
        [
          expect.objectContaining({
            type: 'jwt',
            issuer: 'https://securetoken.google.com/my-project',
            jwksUri: 'https://www.googleapis.com/service_accounts/v1/metadata/x509/securetoken@system.gserviceaccount.com',
            audiences: ['my-project'],
          }),
        ],
      ]);
      expect(to(route, 'GET', '/auth/info/firebase')).toBe('https://backend-abcdef-uc.a.run.app/auth/info/firebase');
    },
  },
  'auth0-jwt.yaml': {
    works: (doc, route) => {
      expect(doc.operations[0]?.security).toEqual([[expect.objectContaining({ type: 'jwt', issuer: 'https://example.auth0.com/', audiences: ['my-client-id'] })]]);
      expect(route('GET', '/auth/info/auth0')).toMatchObject({ authRequired: true, to: 'https://backend-abcdef-uc.a.run.app/auth/info/auth0' });
    },
  },
  'google-id-token.yaml': {
    works: (doc, route) => {
      expect(doc.operations[0]?.security).toEqual([[expect.objectContaining({ type: 'jwt', issuer: 'https://accounts.google.com' })]]);
      expect(to(route, 'GET', '/auth/info/googleidtoken')).toBe('https://backend-abcdef-uc.a.run.app/auth/info/googleidtoken');
    },
  },
  'path-templates.yaml': {
    works: (_doc, route) => {
      const base = 'https://bookstore-abcdef-uc.a.run.app';
      expect(to(route, 'GET', '/shelves')).toBe(`${base}/shelves`);
      expect(to(route, 'GET', '/shelves/')).toBe(`${base}/shelves/`);
      expect(to(route, 'GET', '/shelves/s1/books/b2')).toBe(`${base}/getBook?shelf=s1&book=b2`);
      expect(to(route, 'GET', '/shelves/s1/books/b2/?lang=en')).toBe(`${base}/getBook?lang=en&shelf=s1&book=b2`);
      expect(to(route, 'DELETE', '/shelves/s1/')).toBe(`${base}/shelves/s1/`);
      expect(to(route, 'GET', '/files/a/b/c.txt')).toBe(`${base}/files/a/b/c.txt`);
      expect(to(route, 'GET', '/files/')).toBe(`${base}/files/`);
      expect(route('GET', '/shelves/s1')).toBe('method-not-allowed');
      expect(route('GET', '/shelves/s1/books')).toBe('not-found');
      expect(route('GET', '/shelves//books/b2')).toBe('not-found');
      expect(route('GET', '/files')).toBe('not-found');
    },
  },
  'path-template-double-wildcard-not-last.yaml': { refused: ['paths./files/{file=**}/metadata'] },
  'path-template-resource-binding.yaml': { refused: ['paths./v1/{name=shelves/*}'] },
  'allow-all.yaml': {
    works: (_doc, route) => {
      expect(route('GET', '/v1/widgets')).toMatchObject({ authRequired: true });
      expect(route('POST', '/v1/anything/else?x=1')).toMatchObject({ authRequired: false, to: 'https://legacy-abcdef-uc.a.run.app/v1/anything/else?x=1' });
      expect(route('DELETE', '/v1/widgets')).toMatchObject({ authRequired: false, to: 'https://legacy-abcdef-uc.a.run.app/v1/widgets' });
      expect(route('OPTIONS', '/v1/widgets')).toBe('method-not-allowed');
    },
  },
  'cors-allow.yaml': {
    works: (_doc, route) => {
      expect(route('OPTIONS', '/items')).toMatchObject({ authRequired: false, to: 'https://cors-abcdef-uc.a.run.app/items' });
      expect(route('GET', '/items')).toMatchObject({ authRequired: true });
      expect(route('OPTIONS', '/elsewhere')).toBe('not-found');
    },
  },
  'cors-other-host.yaml': { refused: ['x-google-endpoints[0].name'] },
  'quotas.yaml': {
    works: (_doc, route) => {
      expect(route('GET', '/echo?key=k')).toMatchObject({ authRequired: true, to: 'https://backend-abcdef-uc.a.run.app/echo' });
    },
  },
  'backends.yaml': {
    works: (_doc, route) => {
      expect(route('GET', '/users/johndoe?timezone=EST')).toMatchObject({
        to: 'https://us-central1-my-project.cloudfunctions.net/getUser?timezone=EST&uid=johndoe',
        deadlineMs: 15_000,
      });
      expect(route('GET', '/reports')).toMatchObject({ to: 'https://reports.example.com/api/reports', prep: { backend: { h2: true } } });
      expect(route('GET', '/health')).toMatchObject({ to: 'https://default-abcdef-uc.a.run.app/health', deadlineMs: 30_000 });
    },
  },
  'grpc-backend.yaml': { refused: ['paths./v1/shelves.get.x-google-backend.address'] },
  'orders.json': {
    works: (_doc, route) => {
      expect(to(route, 'GET', '/stores/12/orders/o-9')).toBe('https://orders-abcdef-uc.a.run.app/order?storeId=12&orderId=o-9');
      expect(route('OPTIONS', '/stores/12/orders/o-9')).toMatchObject({ authRequired: false, to: 'https://orders-abcdef-uc.a.run.app/order?storeId=12&orderId=o-9' });
      expect(to(route, 'PUT', '/stores/12')).toBe('https://orders-legacy-abcdef-uc.a.run.app/stores/12');
      expect(to(route, 'OPTIONS', '/stores/12')).toBe('https://orders-legacy-abcdef-uc.a.run.app/stores/12');
    },
  },
};

const files = readdirSync(FOLDER).filter((f) => /\.(ya?ml|json)$/.test(f));

describe('test/fixtures/google', () => {
  it('has an expectation for every document in the folder, and a document for every expectation', () => {
    expect([...files].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s works as Google documents it, or is refused by field path', async (file) => {
    const expectation = EXPECTED[file];
    if (expectation === undefined) throw new Error(`no expectation for ${file}`);
    const load = loadGatewayDocument(path.join(FOLDER, file));
    if ('works' in expectation) {
      const doc = await load;
      expectation.works(doc, router(doc));
      return;
    }
    const err = await load.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MlaasError);
    const issues = (err as MlaasError).errors ?? [];
    expect(issues.map((i) => i.path)).toEqual(expectation.refused);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(20);
  });
});

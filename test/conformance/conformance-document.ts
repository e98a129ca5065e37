/**
 * The conformance fixture's gateway document, in Google API Gateway form:
 * a basePath, API keys in a header or the query (either admits), a JWT
 * scheme whose signing keys are a JWKS file beside the document and whose
 * `tenant` claim names the tenant, and one route per behaviour under test,
 * each to a `mlaas://` backend but one, to an outside `http://` backend.
 */

export const JWT_ISSUER = 'https://issuer.conformance.example';
export const JWT_AUDIENCE = 'mlaas-conformance';
export const JWKS_FILE = 'jwks.json';
/** Route deadlines, seconds (x-google-backend `deadline`). */
export const SHORT_DEADLINE_S = 0.5;
export const QUEUE_DEADLINE_S = 1;
const BASE_PATH = '/api';
export const MAX_BODY_BYTES = 65_536;

interface Route {
  path: string;
  methods: readonly string[];
  address: string;
  pathTranslation?: 'APPEND_PATH_TO_ADDRESS' | 'CONSTANT_ADDRESS';
  deadline?: number;
  /** Flow-style YAML of the operation's own `security`. */
  security?: string;
}

const routes = (outsidePort: number): readonly Route[] => [
  { path: '/echo/{rest=**}', methods: ['get', 'post'], address: 'mlaas://echo/base', pathTranslation: 'APPEND_PATH_TO_ADDRESS' },
  { path: '/items/{id}', methods: ['get'], address: 'mlaas://echo/items' },
  { path: '/constant', methods: ['post'], address: 'mlaas://echo/fixed', pathTranslation: 'CONSTANT_ADDRESS' },
  { path: '/slow', methods: ['get'], address: 'mlaas://echo/slow' },
  { path: '/deadline', methods: ['get'], address: 'mlaas://echo/slow', deadline: SHORT_DEADLINE_S },
  { path: '/jwt/and', methods: ['get'], address: 'mlaas://echo/jwt', security: '[{ jwt: [], api_key: [] }]' },
  { path: '/jwt/or', methods: ['get'], address: 'mlaas://echo/jwt', security: '[{ jwt: [] }, { api_key: [] }]' },
  { path: '/split', methods: ['get'], address: 'mlaas://split/split' },
  { path: '/split/canary', methods: ['get'], address: 'mlaas://split@canary/split' },
  { path: '/queue', methods: ['get'], address: 'mlaas://queue/slow', deadline: 30 },
  { path: '/queue/short', methods: ['get'], address: 'mlaas://queue/slow', deadline: QUEUE_DEADLINE_S },
  // One deadline for all of its routes: a native data plane queues its requests itself (see conformance-cases.ts).
  { path: '/lane', methods: ['get'], address: 'mlaas://lane/slow', deadline: 30 },
  { path: '/cold', methods: ['get'], address: 'mlaas://cold/cold' },
  { path: '/drain', methods: ['get'], address: 'mlaas://drain/slow', deadline: 30 },
  { path: '/outside/{id}', methods: ['get'], address: `http://127.0.0.1:${outsidePort}/outside` },
];

function operation(r: Route): string {
  const backend = [`address: '${r.address}'`];
  if (r.pathTranslation !== undefined) backend.push(`path_translation: ${r.pathTranslation}`);
  if (r.deadline !== undefined) backend.push(`deadline: ${r.deadline}`);
  const security = r.security === undefined ? '' : `\n      security: ${r.security}`;
  const names = [...r.path.matchAll(/\{(\w+)/g)].map((m) => m[1] as string);
  const parameters = names.length === 0 ? '' : `\n      parameters: [${names.map((n) => `{ name: ${n}, in: path, required: true, type: string }`).join(', ')}]`;
  return r.methods
    .map(
      (m) => `    ${m}:${security}${parameters}
      x-google-backend: { ${backend.join(', ')} }
      responses: { '200': { description: ok } }
`,
    )
    .join('');
}

/** @param outsidePort - where the outside (http://) backend listens */
export function conformanceDocument(outsidePort: number): string {
  return `swagger: '2.0'
info: { title: conformance, version: 1.0.0 }
basePath: ${BASE_PATH}
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
  api_key_query: { type: apiKey, name: key, in: query }
  jwt:
    type: oauth2
    flow: implicit
    authorizationUrl: ''
    x-google-issuer: ${JWT_ISSUER}
    x-google-jwks_uri: ${JWKS_FILE}
    x-google-audiences: ${JWT_AUDIENCE}
    x-mlaas-tenant-claim: tenant
security: [{ api_key: [] }, { api_key_query: [] }]
paths:
${routes(outsidePort).map((r) => `  ${r.path}:\n${operation(r)}`).join('')}`;
}

/**
 * The scaffolding black-box tests write before `mlaas up`: a gateway
 * document whose POST routes need an API key in `x-api-key`, and the source
 * of a dependency-free Node service that keeps the service contract
 * (/healthz, 127.0.0.1:$PORT, drain on SIGTERM) around a request handler.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PostRoute {
  path: string;
  /** `mlaas://SERVICE/PATH` */
  address: string;
  /** Seconds, Google's `deadline`. */
  deadline?: number;
}

export function postRoutesDocument(routes: readonly PostRoute[]): string {
  const paths = routes
    .map((r) => {
      const deadline = r.deadline === undefined ? '' : `, deadline: ${r.deadline}`;
      return `  ${r.path}:
    post:
      x-google-backend: { address: '${r.address}'${deadline} }
      responses: { '200': { description: ok } }
`;
    })
    .join('');
  return `swagger: '2.0'
info: { title: e2e, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
paths:
${paths}`;
}

/**
 * Writes `<dir>/server.mjs`: `prelude` runs at start (imports, checks), and
 * `handler` is the body of `(req, res) => { … }` for every path but /healthz.
 */
export function writeNodeService(dir: string, handler: string, prelude = ''): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'server.mjs'),
    `import http from 'node:http';
${prelude}
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
${handler}
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`,
  );
  return dir;
}

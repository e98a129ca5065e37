/**
 * An `mlaas up` directory for benchmarks of the gateway as a proxy: one keyed
 * route, `POST /v1/predict`, to an `http://` backend, a tenant `acme` with a
 * demo key, request logs off. What each benchmark varies goes in `gateway`
 * (more of mlaas.yaml's `gateway:` settings), `settings` (more top-level
 * settings) and `tenant` (the tenant's own settings).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ProxyPlatformOptions {
  /** The benchmark's name, in the document's title. */
  title: string;
  gateway?: string;
  settings?: string;
  tenant?: string;
}

export function writeProxyPlatform(dir: string, backendUrl: string, options: ProxyPlatformOptions): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    `swagger: '2.0'
info: { title: ${options.title}, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
paths:
  /v1/predict:
    post:
      x-google-backend: { address: '${backendUrl}/predict' }
      responses: { '200': { description: ok } }
`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml${options.gateway === undefined ? '' : `, ${options.gateway}`} }
stateDir: state
requestLogs: { enabled: false }
${options.settings ?? ''}
tenants:
  acme: { demoKey: true${options.tenant === undefined ? '' : `, ${options.tenant}`} }
`,
  );
}

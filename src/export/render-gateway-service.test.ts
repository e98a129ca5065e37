import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { DockerfileParser } from 'dockerfile-ast';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/index.js';
import type { Platform } from '../platform.js';
import { startPlatform } from '../platform.js';
import { CLOUDRUN, exportInputFrom, KNATIVE, writeDeclaration } from '../../test/export-input.js';
import type { ExportFile } from './export-types.js';
import { renderGatewayService } from './render-gateway-service.js';
import { thrownIssues } from '../../test/thrown-issues.js';
import { parseUrlMap } from './url-map.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEMO = path.join(ROOT, 'mlaas.yaml');
const FIXTURE = path.join(ROOT, 'test/fixtures/export-gateway/mlaas.yaml');
const CONTEXT = 'build/mlaas-gateway';

async function writeOut(files: readonly ExportFile[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlaas-export-gw-'));
  for (const f of files) {
    await mkdir(path.dirname(path.join(dir, f.path)), { recursive: true });
    await writeFile(path.join(dir, f.path), f.content);
  }
  return dir;
}

function contentOf(files: readonly ExportFile[], p: string): string {
  const file = files.find((f) => f.path === p);
  if (file === undefined) throw new Error(`no ${p} among ${files.map((f) => f.path).join(', ')}`);
  return file.content.toString();
}

interface KnativeService {
  metadata: Record<string, unknown>;
  spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: Array<{ image: string; ports: unknown }> } } };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

describe('renderGatewayService', () => {
  it('writes a Knative Service that validates against Knative’s CRD schema, with one instance and the context’s image', async () => {
    const crd = parse(await readFile(path.join(ROOT, '../shared/schemas/knative-serving-service-crd.yaml'), 'utf8')) as {
      spec: { versions: Array<{ schema: { openAPIV3Schema: object } }> };
    };
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(crd.spec.versions[0]?.schema.openAPIV3Schema ?? {});
    const { files, image } = renderGatewayService(await exportInputFrom(DEMO), KNATIVE);
    const service = parse(contentOf(files, 'services/mlaas-gateway.yaml')) as KnativeService;
    expect(validate(service), JSON.stringify(validate.errors)).toBe(true);
    expect(service.metadata).toMatchObject({ name: 'mlaas-gateway', namespace: 'ml' });
    expect(service.spec.template.metadata.annotations).toEqual({ 'autoscaling.knative.dev/max-scale': '1', 'autoscaling.knative.dev/min-scale': '1' });
    const [container] = service.spec.template.spec.containers;
    expect(container?.image).toMatch(/^gcr\.io\/PROJECT_ID\/mlaas-gateway:[0-9a-f]{12}$/);
    expect(image).toBe(container?.image);
    expect(container?.ports).toEqual([{ name: 'http1', containerPort: 8080 }]);
    expect(files.map((f) => f.path).sort()).toEqual([
      `${CONTEXT}/.dockerignore`,
      `${CONTEXT}/Dockerfile`,
      `${CONTEXT}/api-gateway.yaml`,
      `${CONTEXT}/mlaas.yaml`,
      'services/mlaas-gateway.yaml',
    ]);
  });

  it('builds mlaas from npm at the exporting version and runs `mlaas up` as a non-root user on $PORT', async () => {
    const dockerfile = contentOf(renderGatewayService(await exportInputFrom(DEMO), KNATIVE).files, `${CONTEXT}/Dockerfile`);
    expect(dockerfile).toContain('ARG MLAAS_PACKAGE=mlaas@0.1.0\n');
    expect(dockerfile).toContain('npm install --global --omit=dev "${MLAAS_PACKAGE}"');
    expect(dockerfile).toMatch(/^ENV .*PORT=8080 MLAAS_LISTEN_HOST=0\.0\.0\.0/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["mlaas", "up", "-f", "mlaas\.yaml", "--no-watch"\]$/m);
  });

  it('has a Dockerfile that parses and copies only what its build context holds, none of it ignored', async () => {
    const { files } = renderGatewayService(await exportInputFrom(FIXTURE), KNATIVE);
    const dir = path.join(await writeOut(files), CONTEXT);
    const dockerfile = DockerfileParser.parse(contentOf(files, `${CONTEXT}/Dockerfile`));
    expect(dockerfile.getInstructions().map((i) => i.getKeyword())).toEqual(['FROM', 'ARG', 'RUN', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'EXPOSE', 'CMD']);
    const sources = dockerfile.getCOPYs().flatMap((copy) => copy.getArguments().slice(0, -1).map((a) => a.getValue()));
    expect(sources).toEqual(['.']);
    for (const source of sources) await access(path.join(dir, source));
    const ignored = contentOf(files, `${CONTEXT}/.dockerignore`).split('\n').filter((l) => l !== '');
    for (const needed of ['mlaas.yaml', 'api-gateway.yaml', 'jwks/jwks.json']) {
      await access(path.join(dir, needed));
      expect(ignored).not.toContain(needed);
    }
  });

  it('gives the same bytes, and so the same image, for the same input; another tenant changes the image', async () => {
    const first = renderGatewayService(await exportInputFrom(FIXTURE), KNATIVE).files;
    const second = renderGatewayService(await exportInputFrom(FIXTURE), KNATIVE).files;
    expect(second).toEqual(first);
    const input = await exportInputFrom(FIXTURE);
    input.config.tenants['gamma'] = { config: {}, attributes: {}, demoKey: false };
    const other = renderGatewayService(input, KNATIVE).files;
    expect(contentOf(other, 'services/mlaas-gateway.yaml')).not.toBe(contentOf(first, 'services/mlaas-gateway.yaml'));
  });

  it('writes an mlaas.yaml that mlaas loads: the tenants and flags of the declaration, no services, Knative’s port', async () => {
    const input = await exportInputFrom(FIXTURE);
    const { files } = renderGatewayService(input, KNATIVE);
    expect(files.map((f) => f.path)).toContain(`${CONTEXT}/jwks/jwks.json`);
    const dir = await writeOut(files);
    const loaded = await loadConfig(path.join(dir, CONTEXT, 'mlaas.yaml'), { env: { PORT: '9090' } });
    expect(loaded.config.gateway).toMatchObject({ port: 9090, host: '0.0.0.0', maxBodyBytes: 2048, workers: 1 });
    const scaledUp = await loadConfig(path.join(dir, CONTEXT, 'mlaas.yaml'), { env: { PORT: '9090', MLAAS_GATEWAY_WORKERS: '4' } });
    expect(scaledUp.config.gateway.workers).toBe(4);
    expect(loaded.config.services).toEqual({});
    expect(loaded.config.tenants).toEqual(input.config.tenants);
    expect(loaded.config.tenants['acme']?.config['note']).toBe('costs $5, ${not a variable}');
    expect(loaded.flags?.keys).toEqual(['scorer-tag']);
    expect(loaded.flags?.evaluate('scorer-tag', { targetingKey: 'acme' }).value).toBe('stable');
    const backends = loaded.gateway.operations.map((op) => (op.backend.kind === 'url' ? op.backend.url : op.backend.service));
    expect(backends).toContain('http://canary-scorer.ml.svc.cluster.local/items');
    expect(loaded.gateway.operations.every((op) => op.backend.kind === 'url')).toBe(true);
    // mlaas's own extension stays in its copy; the key set is read from the context.
    const jwt = loaded.gateway.operations.flatMap((op) => op.security.flat()).find((s) => s.type === 'jwt');
    expect(jwt).toMatchObject({ tenantClaim: 'org', jwksUri: 'jwks/jwks.json' });
  });

  it('copies a flags file into the context, where the gateway’s mlaas.yaml finds it', async () => {
    const declaration = await writeDeclaration(
      'gateway: { document: api-gateway.yaml }\nflags: { file: config/flags.yaml }\n',
      "swagger: '2.0'\ninfo: { title: t, version: '1' }\npaths:\n  /x:\n    get:\n      x-google-backend: { address: 'https://example.com' }\n      responses: { '200': { description: ok } }\n",
    );
    await mkdir(path.join(path.dirname(declaration), 'config'));
    await writeFile(
      path.join(path.dirname(declaration), 'config/flags.yaml'),
      'flags:\n  new-model:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: on\n',
    );
    const { files } = renderGatewayService(await exportInputFrom(declaration), KNATIVE);
    expect(files.map((f) => f.path)).toContain(`${CONTEXT}/flags/flags.yaml`);
    const loaded = await loadConfig(path.join(await writeOut(files), CONTEXT, 'mlaas.yaml'), { env: {} });
    expect(loaded.config.flags).toEqual({ file: 'flags/flags.yaml' });
    expect(loaded.flags?.evaluate('new-model', { targetingKey: 'acme' }).value).toBe(true);
  });

  it('refuses a document whose local key set is not there, rather than build a gateway that cannot start', async () => {
    const declaration = await writeDeclaration(
      'gateway: { document: api-gateway.yaml }\n',
      "swagger: '2.0'\ninfo: { title: t, version: '1' }\nsecurityDefinitions:\n  jwt: { type: oauth2, flow: implicit, authorizationUrl: 'https://i.example.com/a', x-google-issuer: 'https://i.example.com', x-google-jwks_uri: keys/missing.json }\npaths:\n  /x:\n    get:\n      security: [{ jwt: [] }]\n      x-google-backend: { address: 'https://example.com' }\n      responses: { '200': { description: ok } }\n",
    );
    const input = await exportInputFrom(declaration);
    expect(thrownIssues(() => renderGatewayService(input, KNATIVE))).toEqual([
      `securityDefinitions.jwt.x-google-jwks_uri: expected a key-set file, found none at ${path.join(path.dirname(declaration), 'keys/missing.json')}`,
    ]);
  });

  it('starts, and routes a demo tenant’s call to the service’s URL with its tenant context', async () => {
    const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders }> = [];
    const backend: Server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      res.setHeader('content-type', 'application/json');
      res.end('{"label":"ham"}');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => backend.close(() => resolve())));
    const origin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    // The cluster's URLs, as a url map gives them: here the loopback backend stands in for both services.
    const urls = parseUrlMap(`spam-filter: ${origin}\ninference: ${origin}\n`, 'urls.yaml');
    const dir = await writeOut(renderGatewayService(await exportInputFrom(DEMO), KNATIVE, urls).files);
    const loaded = await loadConfig(path.join(dir, CONTEXT, 'mlaas.yaml'), { env: { PORT: '0', MLAAS_LISTEN_HOST: '127.0.0.1', MLAAS_ADMIN_PORT: '0' } });
    const platform: Platform = await startPlatform(loaded, { watch: false });
    cleanups.push(() => platform.stop());
    const key = platform.demoKeys['demo'];
    expect(key).toMatch(/^mlk_/);

    const res = await fetch(`${platform.gatewayUrl}/v1/spam-filter/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key as string },
      body: '{"text":"hello"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ label: 'ham' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/predict' });
    expect(seen[0]?.headers['x-mlaas-tenant']).toBe('demo');
    const config = JSON.parse(Buffer.from(String(seen[0]?.headers['x-mlaas-config']), 'base64url').toString('utf8')) as unknown;
    expect(config).toMatchObject({ spamThreshold: 0.5 });
    expect(seen[0]?.headers['x-api-key']).toBeUndefined();

    const anonymous = await fetch(`${platform.gatewayUrl}/v1/spam-filter/predict`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(seen).toHaveLength(1);
  });

  it('writes nothing for cloudrun, whose gateway is Google API Gateway', async () => {
    expect(renderGatewayService(await exportInputFrom(DEMO), CLOUDRUN)).toEqual({ files: [], unsupported: [] });
  });
});

import { describe, it, expect } from 'vitest';
import { MlaasError, type FieldIssue } from '../errors.js';
import { parseConfig } from './parse-config.js';

const at = { baseDir: '/srv/app', configPath: '/srv/app/mlaas.yaml' };

function issuesOf(text: string): FieldIssue[] {
  try {
    parseConfig(text, at);
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    expect((err as MlaasError).code).toBe('CONFIG_INVALID');
    return (err as MlaasError).errors ?? [];
  }
  throw new Error('expected CONFIG_INVALID');
}

const MINIMAL = `
gateway:
  document: api-gateway.yaml
services:
  spam-filter:
    command: node server.js
`;

describe('parseConfig', () => {
  it('fills every default and resolves relative paths against the config’s directory', () => {
    const config = parseConfig(MINIMAL, at);
    expect(config).toEqual({
      configPath: '/srv/app/mlaas.yaml',
      baseDir: '/srv/app',
      gateway: {
        document: '/srv/app/api-gateway.yaml',
        port: 8080,
        maxBodyBytes: 1_048_576,
        connections: { headerTimeout: 10_000, keepAliveTimeout: 5_000, requestTimeout: 60_000 },
        dataplane: 'typescript',
      },
      controlPlane: { port: 8081, connections: { headerTimeout: 10_000, keepAliveTimeout: 5_000, requestTimeout: 300_000 } },
      instances: { pool: 1 },
      stateDir: '/srv/app/.mlaas',
      models: { store: { kind: 'fs' }, seed: {} },
      services: {
        'spam-filter': {
          runtime: 'process',
          source: '/srv/app',
          command: ['node', 'server.js'],
          env: {},
          inheritEnv: [],
          models: {},
          scaling: {
            minInstances: 0,
            maxInstances: 10,
            initialInstances: 1,
            concurrency: 0,
            utilization: 70,
            stableWindow: 60_000,
            scaleToZeroAfter: 30_000,
            scaleDownDelay: 0,
          },
          readiness: { path: '/healthz', timeoutSeconds: 30 },
          drainTimeoutSeconds: 10,
          overridable: [],
        },
      },
      revisions: { gc: { retainSinceCreateTime: 172_800_000, retainSinceLastActiveTime: 54_000_000, minNonActiveRevisions: 20, maxNonActiveRevisions: 1000 } },
      metrics: { enabled: true, host: '127.0.0.1', tenantLabels: 0 },
      requestLogs: { enabled: true, sample: 1, maxFileBytes: 64 * 1024 * 1024, keepFiles: 5 },
      tenants: {},
    });
  });

  it('reads the full form: sources, store models and seeds, env coerced to strings, tenants', () => {
    const config = parseConfig(
      `
gateway: { document: gw/api.yaml, port: 0, host: 127.0.0.1, maxBodyBytes: 2048, dataplane: haproxy }
controlPlane: { port: 9000 }
stateDir: /var/lib/mlaas
models:
  store: { kind: s3, bucket: models, prefix: team-a, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }
  seed: { spam: { file: model/spam.onnx, alias: production, metrics: { auc: '0.98' } } }
services:
  spam-filter:
    source: examples/spam-filter
    command: [node, ../../dist/examples/spam-filter/server.js]
    env: { LOG_LEVEL: info, WORKERS: 4, DEBUG: false }
    models: { classifier: spam@production, tokenizer: tok@3 }
    scaling: { minInstances: 0, maxInstances: 3 }
    readiness: { path: /ready, timeoutSeconds: 5 }
    drainTimeoutSeconds: 2.5
tenants:
  demo: { displayName: Demo tenant, config: { threshold: 0.5, labels: [spam, ham] }, demoKey: true }
  acme: {}
`,
      at,
    );
    expect(config.gateway).toEqual({
      document: '/srv/app/gw/api.yaml',
      port: 0,
      host: '127.0.0.1',
      maxBodyBytes: 2048,
      connections: { headerTimeout: 10_000, keepAliveTimeout: 5_000, requestTimeout: 60_000 },
      dataplane: 'haproxy',
    });
    expect(config.stateDir).toBe('/var/lib/mlaas');
    const svc = config.services['spam-filter'];
    expect(svc?.source).toBe('/srv/app/examples/spam-filter');
    expect(svc?.command).toEqual(['node', '../../dist/examples/spam-filter/server.js']);
    expect(svc?.env).toEqual({ LOG_LEVEL: 'info', WORKERS: '4', DEBUG: 'false' });
    expect(svc?.models).toEqual({ classifier: 'spam@production', tokenizer: 'tok@3' });
    expect(config.models).toEqual({
      store: { kind: 's3', bucket: 'models', prefix: 'team-a', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
      seed: { spam: { file: '/srv/app/model/spam.onnx', alias: 'production', metrics: { auc: '0.98' } } },
    });
    expect(svc?.scaling).toMatchObject({ minInstances: 0, maxInstances: 3 });
    expect(config.tenants).toEqual({
      demo: { displayName: 'Demo tenant', config: { threshold: 0.5, labels: ['spam', 'ham'] }, demoKey: true, attributes: {} },
      acme: { config: {}, demoKey: false, attributes: {} },
    });
  });

  it('reports all three mistakes in one config, each with its path', () => {
    const issues = issuesOf(`
gateway:
  document: api-gateway.yaml
  prot: 8080
services:
  spam:
    command: [node, server.js]
    scaling: { minInstances: -1 }
tenants:
  Demo: {}
`);
    expect(issues).toEqual([
      { path: 'gateway.prot', message: 'unknown key; expected one of: document, port, host, maxBodyBytes, connections, workers, dataplane' },
      { path: 'services.spam.scaling.minInstances', message: 'expected integer ≥ 0, got -1' },
      { path: 'tenants.Demo', message: 'expected a tenant id (DNS label) matching ^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$, got "Demo"' },
    ]);
  });

  it('takes models from the store only: a file path is refused with the way to push it', () => {
    const issues = issuesOf(`
gateway: { document: gw.yaml }
services:
  spam:
    command: node s.js
    models: { classifier: model/spam.onnx, other: 'spam@Prod' }
`);
    expect(issues.map((i) => i.path)).toEqual(['services.spam.models.classifier', 'services.spam.models.other']);
    expect(issues[0]?.message).toContain('mlaas models push NAME FILE');
    expect(issues[1]?.message).toContain('expected name, name@<version ≥ 1> or name@<alias');
  });

  it('reads runtime: onnx services, which need models and take no command', () => {
    const config = parseConfig(
      `
gateway: { document: gw.yaml }
services:
  infer:
    runtime: onnx
    models: { spam: spam@production }
    onnx: { maxBatchSize: 16, padding: { indices: 0 } }
`,
      at,
    );
    expect(config.services.infer?.runtime).toBe('onnx');
    expect(config.services.infer?.command).toBeUndefined();
    expect(config.services.infer?.onnx).toEqual({ batching: true, maxBatchSize: 16, maxQueueDelayMs: 2, workers: 1, padding: { indices: 0 } });

    const issues = issuesOf(`
gateway: { document: gw.yaml }
services:
  a: { runtime: onnx, command: node s.js }
  b: { onnx: { workers: 2 } }
`);
    expect(issues).toEqual([
      { path: 'services.a.command', message: 'runtime: onnx runs the built-in server: remove command' },
      { path: 'services.a.models', message: 'runtime: onnx needs at least one model, got none' },
      { path: 'services.b.command', message: 'expected the command that starts an instance (runtime: process), got none' },
      { path: 'services.b.onnx', message: 'only for runtime: onnx' },
    ]);
  });

  it('reads connection limits per listener, as durations, and keeps the header timeout within the request timeout', () => {
    const config = parseConfig(
      `
gateway: { document: gw.yaml, connections: { max: 5000, headerTimeout: 5s, keepAliveTimeout: 75, requestTimeout: 2m } }
controlPlane: { connections: { max: 16 } }
`,
      at,
    );
    expect(config.gateway.connections).toEqual({ max: 5000, headerTimeout: 5_000, keepAliveTimeout: 75_000, requestTimeout: 120_000 });
    expect(config.controlPlane).toEqual({ port: 8081, connections: { max: 16, headerTimeout: 10_000, keepAliveTimeout: 5_000, requestTimeout: 300_000 } });

    const issues = issuesOf(`
gateway: { document: gw.yaml, connections: { max: 0, headerTimeout: 90s } }
controlPlane: { connections: { idle: 5s } }
`);
    expect(issues).toEqual([
      { path: 'gateway.connections.max', message: 'expected integer ≥ 1, got 0' },
      { path: 'gateway.connections.headerTimeout', message: 'must be ≤ requestTimeout (60s), got 90s' },
      { path: 'controlPlane.connections.idle', message: 'unknown key; expected one of: max, headerTimeout, keepAliveTimeout, requestTimeout' },
    ]);
  });

  it('says maxInstances must not be below minInstances', () => {
    const issues = issuesOf(`
gateway: { document: gw.yaml }
services:
  spam:
    command: [node, s.js]
    scaling: { minInstances: 2, maxInstances: 1 }
`);
    expect(issues).toEqual([{ path: 'services.spam.scaling.maxInstances', message: 'must be ≥ minInstances (2), got 1' }]);
  });

  it('reads services.S.traffic as Knative targets (a lone target gets 100%) with mlaas’s routing beside them', () => {
    const config = parseConfig(
      `
gateway: { document: gw.yaml }
services:
  spam:
    command: [node, s.js]
    traffic:
      targets:
        - { revisionName: spam-00001, percent: 90 }
        - { latestRevision: true, percent: 10, tag: next }
      tenantTags: { acme: next }
      mirror: { tag: next, percent: 5 }
  ham:
    command: [node, s.js]
    traffic: { targets: [{ latestRevision: true }] }
`,
      at,
    );
    expect(config.services['spam']?.traffic).toEqual({
      targets: [
        { revisionName: 'spam-00001', percent: 90 },
        { latestRevision: true, percent: 10, tag: 'next' },
      ],
      sticky: false,
      tenantTags: { acme: 'next' },
      mirror: { tag: 'next', percent: 5 },
    });
    expect(config.services['ham']?.traffic?.targets).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  it('reports every bad traffic target by path', () => {
    const issues = issuesOf(`
gateway: { document: gw.yaml }
services:
  spam:
    command: [node, s.js]
    traffic:
      targets:
        - { percent: 50 }
        - { revisionName: spam-00001, latestRevision: true, percent: 150, tag: Bad_Tag }
`);
    expect(issues.map((i) => i.path)).toEqual([
      'services.spam.traffic.targets[0]',
      'services.spam.traffic.targets[1].tag',
      'services.spam.traffic.targets[1].percent',
      'services.spam.traffic.targets[1]',
    ]);
    expect(issues[0]?.message).toBe('expected a revisionName or latestRevision: true, got neither');
    expect(issues[3]?.message).toBe('expected either revisionName or latestRevision: true, got both');
  });

  it('rejects badly formed and reserved env names, and values that are not scalars', () => {
    const issues = issuesOf(`
gateway: { document: gw.yaml }
services:
  spam:
    command: node s.js
    env: { 1BAD: x, PORT: '9', MLAAS_TENANT: y, K_REVISION: z, OK: [1], inherit: [AWS_PROFILE, MLAAS_TOKEN] }
`);
    const reserved = 'is reserved: mlaas sets PORT, K_SERVICE, K_REVISION, K_CONFIGURATION and MLAAS_* itself';
    expect(issues).toEqual([
      { path: 'services.spam.env.inherit[1]', message: `"MLAAS_TOKEN" ${reserved}` },
      {
        path: 'services.spam.env.1BAD',
        message: 'expected an environment variable name matching ^[A-Za-z_][A-Za-z0-9_]*$, got "1BAD"',
      },
      { path: 'services.spam.env.PORT', message: `"PORT" ${reserved}` },
      { path: 'services.spam.env.MLAAS_TENANT', message: `"MLAAS_TENANT" ${reserved}` },
      { path: 'services.spam.env.K_REVISION', message: `"K_REVISION" ${reserved}` },
      { path: 'services.spam.env.OK', message: 'expected a string, number or boolean, got a list of 1' },
    ]);
  });

  it('passes the platform variables `env.inherit` names, apart from the service’s own', () => {
    const config = parseConfig(
      `
gateway: { document: gw.yaml }
services:
  spam: { command: node s.js, env: { LOG_LEVEL: debug, inherit: [AWS_PROFILE] } }
`,
      at,
    );
    expect(config.services['spam']?.env).toEqual({ LOG_LEVEL: 'debug' });
    expect(config.services['spam']?.inheritEnv).toEqual(['AWS_PROFILE']);
  });

  it('says what is missing and what a wrong value was', () => {
    const issues = issuesOf(`
gateway: {}
services:
  spam:
    command: '  '
    readiness: { path: healthz }
`);
    expect(issues).toEqual([
      { path: 'gateway.document', message: 'expected string, got nothing' },
      { path: 'services.spam.command', message: 'expected a command (a list of arguments or one string), got "  "' },
      { path: 'services.spam.readiness.path', message: 'expected to start with "/", got "healthz"' },
    ]);
  });

  it('gives the line and column of a YAML syntax error', () => {
    const issues = issuesOf('gateway:\n  document: a.yaml\nservices:\n  spam: { command: [node, s.js }\n');
    expect(issues[0]?.path).toBe('');
    expect(issues[0]?.message).toMatch(/^YAML syntax error at line 4, column 32: Flow sequence .* must .* end with a \]/);
  });

  it('treats an empty file as a config missing its gateway', () => {
    expect(issuesOf('')).toEqual([{ path: '', message: 'expected a map, got null' }]);
  });

  it('reads tenant attributes and quotas, overridable settings and inline flags; reports bad ones by path', () => {
    const config = parseConfig(
      `
gateway: { document: api-gateway.yaml }
services:
  spam: { command: node server.js, overridable: [threshold] }
tenants:
  acme: { attributes: { plan: pro, seats: 40 }, quota: { requestsPerMinute: 6000, burst: 100 }, keyQuota: { requestsPerMinute: 600 } }
flags:
  new-model: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: off }
`,
      at,
    );
    expect(config.services['spam']?.overridable).toEqual(['threshold']);
    expect(config.tenants['acme']).toMatchObject({
      attributes: { plan: 'pro', seats: 40 },
      quota: { requestsPerMinute: 6000, burst: 100 },
      keyQuota: { requestsPerMinute: 600 },
    });
    expect(config.flags).toMatchObject({ 'new-model': { defaultVariant: 'off' } });
    expect(parseConfig('gateway: { document: a.yaml }\nflags: { file: flags.json }\n', at).flags).toEqual({ file: 'flags.json' });
    expect(() =>
      parseConfig('gateway: { document: a.yaml }\ntenants:\n  acme: { quota: { requestsPerMinute: 0 }, attributes: { plan: [a] } }\n', at),
    ).toThrow(
      expect.objectContaining({
        errors: expect.arrayContaining([
          { path: 'tenants.acme.quota.requestsPerMinute', message: 'expected integer ≥ 1, got 0' },
          expect.objectContaining({ path: 'tenants.acme.attributes.plan' }),
        ]),
      }),
    );
  });

  it('takes `state: postgres://…` as given, from a variable too, and quotes a wrong one without its password', () => {
    expect(parseConfig(MINIMAL, at).state).toBeUndefined();
    const env = { MLAAS_STATE: 'postgresql://app:s3cret@db.internal:6432/mlaas' };
    expect(parseConfig(`${MINIMAL}state: \${MLAAS_STATE}\n`, { ...at, env }).state).toBe('postgresql://app:s3cret@db.internal:6432/mlaas');
    expect(issuesOf(`${MINIMAL}state: mysql://app:s3cret@db/mlaas\n`)).toEqual([
      { path: 'state', message: 'expected postgres://user:password@host:port/database, got "mysql://app:***@db/mlaas"' },
    ]);
    expect(issuesOf(`${MINIMAL}state: 5432\n`)).toEqual([{ path: 'state', message: 'expected string, got 5432' }]);
  });
});

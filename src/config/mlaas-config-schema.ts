/**
 * The schema of mlaas.yaml: what a user writes (input) and what the rest of
 * mlaas reads after defaults are applied and paths resolved (`MlaasConfig`).
 * The JSON Schema in schemas/mlaas.schema.json is generated from it.
 */
import { z } from 'zod';
import { MODEL_ALIAS, MODEL_NAME as STORE_MODEL_NAME } from '../models/model-ref.js';
import { ModelStoreConfigSchema } from '../models/model-store-config.js';
import { RevisionsSettingsSchema } from './revision-gc-fields.js';
import { MetricsSettingsSchema, RequestLogSettingsSchema } from './observability-fields.js';
import { QuotaStoreSettingsSchema } from './quota-store-fields.js';
import { FlagsSchema } from '../api/tenancy-fields.js';
import { DNS_LABEL, duration, integer, patternString, strictObject } from '../api/schema-fields.js';
import { describeValue } from '../api/zod-issues.js';
import { isPostgresUrl, redactPostgresUrl } from './postgres-url.js';
import { ADMIN_MAX_CONNECTIONS, ADMIN_TIMEOUTS, GATEWAY_TIMEOUTS } from '../http/listener.js';
import { ServiceSchema } from '../api/service-schema.js';
import { TenantSchema } from '../api/tenant-schema.js';

export { ServiceSchema, TenantSchema };

const modelSeed = strictObject({
  file: z.string().min(1).describe('The model file, relative to mlaas.yaml.'),
  alias: patternString(MODEL_ALIAS, 'an alias').describe('The alias that, when missing, is created for the pushed version.'),
  metrics: z.record(z.string(), z.string()).optional().describe('Free-form metadata recorded with the version.'),
});

const models = strictObject({
  store: ModelStoreConfigSchema.default({ kind: 'fs' }).describe('Where model versions live: fs (default, <stateDir>/models) or s3.'),
  seed: z
    .record(patternString(STORE_MODEL_NAME, 'a model name (DNS label)'), modelSeed)
    .default({})
    .describe('Models pushed at start-up when their alias does not exist yet (a fresh checkout then serves at once); an existing alias is never moved.'),
});

/** nginx-style limits of one listener's connections; the defaults are the HTTP kernel's (src/http/listener.ts). */
function connections(defaults: { headerTimeout: number; keepAliveTimeout: number; requestTimeout: number }, maxDefault: string) {
  const seconds = (ms: number) => `${ms / 1000}s`;
  return strictObject({
    max: integer(1)
      .optional()
      .describe(
        `Open connections at most. At the cap a new connection closes the longest-idle one that has no request in progress (silent, half a request head, kept alive); only when all are busy is it refused with a 503. Default: ${maxDefault}.`,
      ),
    headerTimeout: duration(1)
      .default(defaults.headerTimeout)
      .describe(
        `A connection that has not sent a complete request head this long after connecting (on a kept-alive connection: after the first byte of its next request) gets a 408 and is closed. Default: ${seconds(defaults.headerTimeout)}.`,
      ),
    keepAliveTimeout: duration(1)
      .default(defaults.keepAliveTimeout)
      .describe(`How long a kept-alive connection may wait for its next request. Default: ${seconds(defaults.keepAliveTimeout)}.`),
    requestTimeout: duration(1)
      .default(defaults.requestTimeout)
      .describe(`Time from the start of a request to the last byte of its body, else a 408. Default: ${seconds(defaults.requestTimeout)}.`),
  }).superRefine((c, ctx) => {
    if (c.headerTimeout > c.requestTimeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['headerTimeout'],
        message: `must be ≤ requestTimeout (${seconds(c.requestTimeout)}), got ${seconds(c.headerTimeout)}`,
      });
    }
  });
}


export const MlaasConfigSchema = strictObject({
  gateway: strictObject({
    document: z.string().min(1).describe('The OpenAPI 2.0 gateway document (Google API Gateway form), relative to mlaas.yaml.'),
    port: integer(0, 65535).default(8080),
    host: z.string().min(1).optional(),
    maxBodyBytes: integer(1).default(1_048_576),
    connections: connections(GATEWAY_TIMEOUTS, "half the process's open-file limit (ulimit -n)").prefault({}),
    workers: integer(1, 256)
      .optional()
      .describe(
        'Gateway processes sharing gateway.port (node:cluster), each serving the full snapshot; the admin API, runtime and autoscaler stay in the primary process. Absent: $MLAAS_GATEWAY_WORKERS if set, else the number of cores. 1: the gateway runs inside the primary, as one process.',
      ),
    dataplane: z
      .enum(['typescript', 'haproxy'])
      .default('typescript')
      .describe(
        "What serves gateway.port. typescript: mlaas's own gateway (every feature). haproxy: HAProxy ≥ 2.6 (found on PATH or at $MLAAS_HAPROXY), with gateway.workers threads, configured once and then programmed live by the control plane; requests it does not serve itself (refusals, JWT, quotas, templated paths, outside backends, a revision at zero…) go on to the TypeScript gateway, which then listens on a loopback port of its own.",
      ),
  }),
  controlPlane: strictObject({
    port: integer(0, 65535).default(8081),
    connections: connections(ADMIN_TIMEOUTS, `${ADMIN_MAX_CONNECTIONS}, apart from the gateway's, so that its load cannot lock the operator out`).prefault({}),
  }).prefault({}),
  instances: strictObject({
    user: z
      .union([z.string().min(1), z.int().min(0)])
      .optional()
      .describe(
        'The user instances run as (name or uid). Default when mlaas runs as root: nobody; otherwise the platform’s own user, the only one it can use.',
      ),
    pool: integer(0, 16)
      .default(1)
      .describe(
        'Pre-started Node runtimes kept waiting per runtime kind in use (a Node binary with the modules its services load: ONNX Runtime, the SDK, zod), which a cold start takes instead of starting a process: about 55 MB resident each (15 MB of it its own), 70 MB (25 MB) with ONNX Runtime. 0: every instance starts as a fresh process.',
      ),
  })
    .prefault({})
    .describe('How the runtime starts instances.'),
  stateDir: z.string().min(1).default('.mlaas').describe('Where state.db and the model store live, relative to mlaas.yaml.'),
  state: z
    .string()
    .refine(isPostgresUrl, {
      // The found value is quoted without its password: a wrong URL still holds a right password.
      error: (iss) => `expected postgres://user:password@host:port/database, got ${describeValue(typeof iss.input === 'string' ? redactPostgresUrl(iss.input) : iss.input)}`,
    })
    .optional()
    .describe(
      'Where the state store (services, revisions, traffic, tenants, keys, flags, audit log) lives. Absent: SQLite in <stateDir>/state.db, the embedded default. postgres://user:password@host:port/database: PostgreSQL, which several gateways and control planes share, each told of every change within a second; write the password as ${VAR} to keep it out of the file.',
    ),
  models: models.default({ store: { kind: 'fs' }, seed: {} }),
  services: z.record(patternString(DNS_LABEL, 'a service name (DNS label)'), ServiceSchema).default({}),
  revisions: RevisionsSettingsSchema.prefault({}),
  metrics: MetricsSettingsSchema.prefault({}),
  requestLogs: RequestLogSettingsSchema.prefault({}),
  tenants: z.record(patternString(DNS_LABEL, 'a tenant id (DNS label)'), TenantSchema).default({}),
  flags: FlagsSchema,
  quotas: QuotaStoreSettingsSchema.optional(),
}).meta({ title: 'mlaas.yaml', description: 'Services, tenants and the gateway document of an mlaas deployment.' });

type ParsedConfig = z.output<typeof MlaasConfigSchema>;

/**
 * mlaas.yaml after defaults, with every path absolute: `stateDir`,
 * `gateway.document`, each service's `source`, and each `models.seed` file.
 */
export type MlaasConfig = ParsedConfig & {
  /** Absolute path of the mlaas.yaml this came from. */
  configPath: string;
  /** Directory that relative paths in it were resolved against. */
  baseDir: string;
};

export type { ServiceConfig } from '../api/service-schema.js';
export type TenantConfig = MlaasConfig['tenants'][string];

/**
 * The schema of mlaas.yaml: what a user writes (input) and what the rest of
 * mlaas reads after defaults are applied and paths resolved (`MlaasConfig`).
 * The JSON Schema in schemas/mlaas.schema.json is generated from it.
 */
import { z } from 'zod';
import { MODEL_ALIAS, MODEL_NAME as STORE_MODEL_NAME, parseModelRef } from '../models/model-ref.js';
import { ModelStoreConfigSchema } from '../models/model-store-config.js';
import { RevisionsSettingsSchema } from './revision-gc-fields.js';
import { describeValue } from './zod-issues.js';
import { FlagsSchema, QuotaSchema, overridableSettings, tenantAttributes } from './tenancy-fields.js';
import { TrafficSchema } from './traffic-fields.js';
import { DNS_LABEL, bounded, duration, integer, patternString, positiveNumber, strictObject } from './schema-fields.js';
import { ADMIN_MAX_CONNECTIONS, ADMIN_TIMEOUTS, GATEWAY_TIMEOUTS } from '../http/listener.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODEL_NAME = /^[a-z][a-z0-9_]*$/;

/** `spam`, `spam@3`, `spam@production`: a model in the store, checked by the store's own grammar. */
const modelStoreRef = z.string().superRefine((ref, ctx) => {
  try {
    parseModelRef(ref);
  } catch (err) {
    const hint = /[/\\.]/.test(ref) ? '; a file is pushed first (`mlaas models push NAME FILE`, or models.seed)' : '';
    ctx.addIssue({ code: 'custom', message: `${(err as Error).message}${hint}` });
  }
});

/** Knative's `revision-timeout-seconds` and `max-revision-timeout-seconds` defaults. */
export const DEFAULT_REVISION_TIMEOUT_SECONDS = 300;
export const MAX_REVISION_TIMEOUT_SECONDS = 600;

/** What the platform sets in every instance (Knative's and Cloud Run's reserved names among them). */
const RESERVED_ENV = new Set(['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION']);

const envName = patternString(ENV_NAME, 'an environment variable name').refine(
  (name) => !name.startsWith('MLAAS_') && !RESERVED_ENV.has(name),
  { error: (iss) => `${describeValue(iss.input)} is reserved: mlaas sets PORT, K_SERVICE, K_REVISION, K_CONFIGURATION and MLAAS_* itself` },
);

const envValue = z
  .union([z.string(), z.number(), z.boolean()], {
    error: (iss) => `expected a string, number or boolean, got ${describeValue(iss.input)}`,
  })
  .transform(String);

const command = z.union(
  [
    z.array(z.string().min(1)).min(1),
    z
      .string()
      .regex(/\S/)
      .transform((s) => s.trim().split(/\s+/)),
  ],
  { error: (iss) => `expected a command (a list of arguments or one string), got ${describeValue(iss.input)}` },
);

/**
 * Knative KPA settings; every default is Knative's (see src/autoscaler/decider-config.ts) unless noted.
 * The settings added after revisions were first recorded (`metric` and below) have no schema default:
 * a revision records only what the file sets, so one made before they existed is still the same spec.
 */
const scaling = strictObject({
  minInstances: integer(0).default(0).describe('Instances kept running when idle (0 = scale to zero, as Knative and Cloud Run).'),
  maxInstances: integer(1)
    .default(10)
    .describe("Upper bound for the autoscaler. Knative's default is unbounded; one machine needs a bound."),
  initialInstances: integer(0).default(1).describe('Instances a new revision starts with before it takes traffic.'),
  concurrency: integer(0)
    .default(0)
    .describe('Hard limit of requests in flight per instance (containerConcurrency); 0 = no limit. Excess requests wait at the gateway.'),
  metric: z
    .enum(['concurrency', 'rps'])
    .optional()
    .describe('What the autoscaler scales on (autoscaling.knative.dev/metric): requests in flight (concurrency, default) or requests per second (rps).'),
  // Knative's autoscaling.TargetMin.
  target: bounded(0.01, undefined)
    .optional()
    .describe('Per-instance value the autoscaler aims for: concurrency (default 100, or `concurrency` when set) or, with metric rps, requests per second (default 200).'),
  utilization: integer(1, 100).default(70).describe('Percent of `target` to aim at.'),
  stableWindow: duration(6_000, 3_600_000).default(60_000).describe('Window of the stable concurrency average (6s–1h).'),
  panicWindowPercentage: bounded(1, 100)
    .optional()
    .describe('The panic window as percent of the stable window (autoscaling.knative.dev/panic-window-percentage), 1–100, default 10.'),
  panicThresholdPercentage: bounded(110, 1000)
    .optional()
    .describe('Panic when the panic-window need reaches this percent of the ready instances (panic-threshold-percentage), 110–1000, default 200.'),
  activationScale: bounded(1, undefined, { integer: true })
    .optional()
    .describe('While the revision runs, at least this many instances: scaling from zero goes straight there (activation-scale), default 1.'),
  targetBurstCapacity: z
    .number()
    .refine((n) => n === -1 || n >= 0, { error: (iss) => `must be ≥ 0 or -1 (unlimited), got ${describeValue(iss.input)}` })
    .optional()
    .describe(
      'Spare requests the ready instances must be able to take beyond the current load (target-burst-capacity), default 200; short of it, the gateway holds requests beyond the concurrency target per instance. 0: hold only at zero instances; -1: always.',
    ),
  scaleToZeroAfter: duration().default(30_000).describe('No traffic for at least this long before the last instance stops.'),
  scaleToZeroPodRetentionPeriod: duration(0, 3_600_000)
    .optional()
    .describe('Once the autoscaler decided to scale to zero, the last instance stays at least this long (scale-to-zero-pod-retention-period), 0s–1h, default 0s.'),
  scaleDownDelay: duration(0, 3_600_000).default(0).describe('Scale down only to the highest count decided within this window.'),
}).superRefine((s, ctx) => {
  if (s.maxInstances < s.minInstances) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxInstances'],
      message: `must be ≥ minInstances (${s.minInstances}), got ${s.maxInstances}`,
    });
  }
  if (s.metric !== 'rps' && s.concurrency > 0 && s.target !== undefined && s.target > s.concurrency) {
    ctx.addIssue({ code: 'custom', path: ['target'], message: `must be ≤ concurrency (${s.concurrency}), got ${s.target}` });
  }
  if (s.activationScale !== undefined && s.activationScale > s.maxInstances) {
    ctx.addIssue({ code: 'custom', path: ['activationScale'], message: `must be ≤ maxInstances (${s.maxInstances}), got ${s.activationScale}` });
  }
});

const readiness = strictObject({
  path: z.string().startsWith('/').default('/healthz').describe('GET path that answers 200 when the instance is ready.'),
  timeoutSeconds: positiveNumber().default(30).describe('How long a new instance may take to become ready.'),
});

const onnxSettings = strictObject({
  batching: z.boolean().default(true).describe('Dynamic batching: concurrent requests run as one batch (false = each alone).'),
  maxBatchSize: integer(1).default(32).describe('Rows per batch at most.'),
  maxQueueDelayMs: integer(0).default(2).describe('How long a request may wait for others to batch with.'),
  workers: integer(1).default(1).describe('Inference threads, each with a session of every model.'),
  padding: z
    .record(z.string().min(1), z.number())
    .default({})
    .describe("Input name → value that right-pads the input's last dimension so that requests of different lengths batch together."),
});

export const ServiceSchema = strictObject({
  runtime: z
    .enum(['process', 'onnx'])
    .default('process')
    .describe('process: `command` runs the service; onnx: the built-in Open Inference Protocol (V2) server serves the models, no code needed.'),
  source: z.string().min(1).default('.').describe("Directory of the service, relative to mlaas.yaml; the instance's working directory."),
  command: command.optional().describe('Argument vector that starts one instance; it must listen on 127.0.0.1:$PORT. Required for runtime: process.'),
  onnx: onnxSettings.optional().describe('Settings of the built-in ONNX server (runtime: onnx).'),
  env: z
    .record(z.string(), z.unknown())
    .default({})
    .pipe(
      z
        .object({
          inherit: z
            .array(envName)
            .default([])
            .describe("Names of the platform's own environment variables the instances get too; nothing else of it reaches them."),
        })
        .catchall(z.unknown())
        .superRefine((env, ctx) => {
          for (const [name, value] of Object.entries(env)) {
            if (name === 'inherit') continue;
            const checked = envName.safeParse(name);
            if (!checked.success) ctx.addIssue({ code: 'custom', path: [name], message: checked.error.issues[0]?.message ?? 'invalid name' });
            else if (!envValue.safeParse(value).success) {
              ctx.addIssue({ code: 'custom', path: [name], message: `expected a string, number or boolean, got ${describeValue(value)}` });
            }
          }
        }),
    )
    .describe('Environment variables for every instance (PATH, HOME, LANG and TZ come from the platform; `inherit` lists more).'),
  models: z
    .record(patternString(MODEL_NAME, 'a model name'), modelStoreRef)
    .default({})
    .describe('Model name → model in the store: spam@production (alias), spam@3 (version) or spam (latest). Instances get MLAAS_MODEL_<NAME>, the path of a digest-verified copy.'),
  scaling: scaling.prefault({}),
  readiness: readiness.default({ path: '/healthz', timeoutSeconds: 30 }),
  drainTimeoutSeconds: positiveNumber().default(10).describe('Time an instance gets to finish in-flight requests after SIGTERM.'),
  timeoutSeconds: bounded(0, MAX_REVISION_TIMEOUT_SECONDS, { integer: true, exclusiveMin: true })
    .optional()
    .describe(
      `How long the gateway waits for an instance's answer (Knative's timeoutSeconds), default ${DEFAULT_REVISION_TIMEOUT_SECONDS}, at most ${MAX_REVISION_TIMEOUT_SECONDS} (max-revision-timeout-seconds); the route's deadline bounds a call too, and the smaller wins.`,
    ),
  overridable: overridableSettings,
  traffic: TrafficSchema.optional(),
}).superRefine((s, ctx) => {
  if (s.runtime === 'process' && s.command === undefined) {
    ctx.addIssue({ code: 'custom', path: ['command'], message: 'expected the command that starts an instance (runtime: process), got none' });
  }
  if (s.runtime === 'onnx') {
    if (s.command !== undefined) ctx.addIssue({ code: 'custom', path: ['command'], message: 'runtime: onnx runs the built-in server: remove command' });
    if (Object.keys(s.models).length === 0) ctx.addIssue({ code: 'custom', path: ['models'], message: 'runtime: onnx needs at least one model, got none' });
  }
  if (s.runtime !== 'onnx' && s.onnx !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['onnx'], message: 'only for runtime: onnx' });
  }
}).transform(({ env: { inherit, ...vars }, ...service }) => ({
  ...service,
  env: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, String(value)])),
  /** `env.inherit`: names of the platform's variables the instances get. */
  inheritEnv: inherit,
}));

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

export const TenantSchema = strictObject({
  displayName: z.string().min(1).optional(),
  config: z.record(z.string(), z.unknown()).default({}).describe('Free-form settings passed to services in x-mlaas-config.'),
  demoKey: z.boolean().default(false).describe('`mlaas up` creates and prints an API key for this tenant.'),
  attributes: tenantAttributes,
  quota: QuotaSchema.optional().describe('Limit shared by all of the tenant’s keys.'),
  keyQuota: QuotaSchema.optional().describe('Limit of each of the tenant’s keys that has no quota of its own.'),
});

export const MlaasConfigSchema = strictObject({
  gateway: strictObject({
    document: z.string().min(1).describe('The OpenAPI 2.0 gateway document (Google API Gateway form), relative to mlaas.yaml.'),
    port: integer(0, 65535).default(8080),
    host: z.string().min(1).optional(),
    maxBodyBytes: integer(1).default(1_048_576),
    connections: connections(GATEWAY_TIMEOUTS, "half the process's open-file limit (ulimit -n)").prefault({}),
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
  })
    .default({})
    .describe('How the runtime starts instances.'),
  stateDir: z.string().min(1).default('.mlaas').describe('Where state.db and the model store live, relative to mlaas.yaml.'),
  models: models.default({ store: { kind: 'fs' }, seed: {} }),
  services: z.record(patternString(DNS_LABEL, 'a service name (DNS label)'), ServiceSchema).default({}),
  revisions: RevisionsSettingsSchema.prefault({}),
  tenants: z.record(patternString(DNS_LABEL, 'a tenant id (DNS label)'), TenantSchema).default({}),
  flags: FlagsSchema,
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

export type ServiceConfig = MlaasConfig['services'][string];
export type TenantConfig = MlaasConfig['tenants'][string];

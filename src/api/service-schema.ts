/**
 * The service resource: what a service declares (runtime, source, command,
 * env, models, Knative's scaling and revision settings, readiness, traffic),
 * with defaults and value rules by field path. mlaas.yaml's `services.S` is
 * read with it, and so is what `mlaas deploy` and `services update` send;
 * every revision is made from what it gives.
 */
import { z } from 'zod';
import { parseModelRef } from '../models/model-ref.js';
import { describeValue } from './zod-issues.js';
import { overridableSettings } from './tenancy-fields.js';
import { TrafficSchema } from './traffic-schema.js';
import { bounded, duration, integer, patternString, positiveNumber, strictObject } from './schema-fields.js';

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

/** A service after defaults: what the store keeps as its spec and revisions are made from. */
export type ServiceConfig = z.output<typeof ServiceSchema>;

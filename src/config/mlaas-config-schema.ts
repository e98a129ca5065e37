/**
 * The schema of mlaas.yaml: what a user writes (input) and what the rest of
 * mlaas reads after defaults are applied and paths resolved (`MlaasConfig`).
 * The JSON Schema in schemas/mlaas.schema.json is generated from it.
 */
import { z } from 'zod';
import { describeValue } from './zod-issues.js';
import { DNS_LABEL, integer, patternString, positiveNumber, strictObject } from './schema-fields.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODEL_NAME = /^[a-z][a-z0-9_]*$/;

/** `spam@production`: a model-store alias rather than a file path. */
export const MODEL_STORE_REF = /^[a-z][a-z0-9_-]*@[A-Za-z0-9][A-Za-z0-9._-]*$/;

const envName = patternString(ENV_NAME, 'an environment variable name').refine(
  (name) => !name.startsWith('MLAAS_') && name !== 'PORT',
  { error: (iss) => `${describeValue(iss.input)} is reserved: mlaas sets PORT and MLAAS_* itself` },
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

const scaling = strictObject({
  minInstances: integer(0).default(1).describe('Instances kept running when idle (0 = scale to zero).'),
  maxInstances: integer(1).default(10).describe('Upper bound for the autoscaler.'),
}).superRefine((s, ctx) => {
  if (s.maxInstances < s.minInstances) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxInstances'],
      message: `must be ≥ minInstances (${s.minInstances}), got ${s.maxInstances}`,
    });
  }
});

const readiness = strictObject({
  path: z.string().startsWith('/').default('/healthz').describe('GET path that answers 200 when the instance is ready.'),
  timeoutSeconds: positiveNumber().default(30).describe('How long a new instance may take to become ready.'),
});

export const ServiceSchema = strictObject({
  source: z.string().min(1).default('.').describe("Directory of the service, relative to mlaas.yaml; the instance's working directory."),
  command: command.describe('Argument vector that starts one instance; it must listen on 127.0.0.1:$PORT.'),
  env: z.record(envName, envValue).default({}).describe('Environment variables for every instance.'),
  models: z
    .record(patternString(MODEL_NAME, 'a model name'), z.string().min(1))
    .default({})
    .describe('Model name → file path relative to mlaas.yaml, or a store alias such as spam@production. Instances get MLAAS_MODEL_<NAME>.'),
  scaling: scaling.default({ minInstances: 1, maxInstances: 10 }),
  readiness: readiness.default({ path: '/healthz', timeoutSeconds: 30 }),
  drainTimeoutSeconds: positiveNumber().default(10).describe('Time an instance gets to finish in-flight requests after SIGTERM.'),
});

export const TenantSchema = strictObject({
  displayName: z.string().min(1).optional(),
  config: z.record(z.string(), z.unknown()).default({}).describe('Free-form settings passed to services in x-mlaas-config.'),
  demoKey: z.boolean().default(false).describe('`mlaas up` creates and prints an API key for this tenant.'),
});

export const MlaasConfigSchema = strictObject({
  gateway: strictObject({
    document: z.string().min(1).describe('The OpenAPI 2.0 gateway document (Google API Gateway form), relative to mlaas.yaml.'),
    port: integer(0, 65535).default(8080),
    host: z.string().min(1).optional(),
    maxBodyBytes: integer(1).default(1_048_576),
  }),
  controlPlane: strictObject({
    port: integer(0, 65535).default(8081),
  }).default({ port: 8081 }),
  stateDir: z.string().min(1).default('.mlaas').describe('Where state.db and the model store live, relative to mlaas.yaml.'),
  services: z.record(patternString(DNS_LABEL, 'a service name (DNS label)'), ServiceSchema).default({}),
  tenants: z.record(patternString(DNS_LABEL, 'a tenant id (DNS label)'), TenantSchema).default({}),
}).meta({ title: 'mlaas.yaml', description: 'Services, tenants and the gateway document of an mlaas deployment.' });

type ParsedConfig = z.output<typeof MlaasConfigSchema>;

/**
 * mlaas.yaml after defaults, with every path absolute: `stateDir`,
 * `gateway.document`, each service's `source`, and each model given as a file.
 * A model value that is not an absolute path is a store alias (`spam@production`).
 */
export type MlaasConfig = ParsedConfig & {
  /** Absolute path of the mlaas.yaml this came from. */
  configPath: string;
  /** Directory that relative paths in it were resolved against. */
  baseDir: string;
};

export type ServiceConfig = MlaasConfig['services'][string];
export type TenantConfig = MlaasConfig['tenants'][string];

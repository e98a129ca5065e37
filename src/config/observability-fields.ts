/**
 * `metrics` and `requestLogs` of mlaas.yaml: where the platform's Prometheus
 * metrics are served and how requests are logged.
 */
import { z } from 'zod';
import { bounded, integer, strictObject } from '../api/schema-fields.js';

export const MetricsSettingsSchema = strictObject({
  enabled: z.boolean().default(true).describe('Keep and serve metrics (default true). Off, the gateway counts nothing per request.'),
  port: integer(0, 65535)
    .optional()
    .describe(
      'Also serve GET /metrics on a listener of its own on this port (Knative style), besides the admin port’s /metrics. Default: none.',
    ),
  host: z.string().min(1).default('127.0.0.1').describe('The address of that listener (default 127.0.0.1: never the public one).'),
  tenantLabels: integer(0)
    .default(0)
    .describe(
      'Request metrics carry a tenant label for at most this many tenants (the first seen), the others counted as "(other)"; 0 (default): no tenant label.',
    ),
}).describe('Prometheus metrics: GET /metrics on the admin port, without the admin token (the admin listener is loopback-only).');

export const RequestLogSettingsSchema = strictObject({
  enabled: z.boolean().default(true).describe('Write one JSON line per gateway request to <stateDir>/logs/requests.log (default true).'),
  sample: bounded(0, 1)
    .default(1)
    .describe('The share of requests logged, from 0 to 1 (default 1: all); answers with a 5xx status are always logged.'),
  maxFileBytes: integer(4096)
    .default(64 * 1024 * 1024)
    .describe('requests.log is rotated when it reaches this size: renamed requests.log.1, the older ones shifted (default 64 MiB).'),
  keepFiles: integer(1, 100).default(5).describe('Rotated files kept beside requests.log, the oldest deleted (default 5).'),
}).describe('The gateway’s request log.');

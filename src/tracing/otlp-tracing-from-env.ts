/**
 * The platform's tracer, made from the OpenTelemetry environment variables
 * when they ask for traces: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as
 * given) or `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/traces` appended), as the
 * OTLP exporter spec reads them. Spans go in batches (BatchSpanProcessor,
 * `OTEL_BSP_*`) over OTLP/HTTP as JSON; `shutdown` flushes what is left.
 * With neither endpoint set, with `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none`, there is no tracer at all. Every variable it
 * cannot honour is named in a start-up warning rather than silently dropped.
 */
import { diag, DiagLogLevel, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { blankAsUnset, samplerFromEnv } from './sampler-from-env.js';

export interface OtlpTracing {
  tracer: Tracer;
  /** Where spans are sent: the OTLP/HTTP traces URL. */
  endpoint: string;
  /** Sends the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

/** `service.name` when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one: the spans are the gateway's. */
export const DEFAULT_SERVICE_NAME = 'mlaas-gateway';

export function otlpTracingFromEnv(env: NodeJS.ProcessEnv, logger: Logger): OtlpTracing | undefined {
  const endpoint = tracesEndpoint(env);
  if (endpoint === undefined) {
    // The spec's default endpoint (localhost:4318) is not assumed: traces are opt-in, and a half-made setup is said out loud.
    const set = Object.keys(env).filter((name) => name.startsWith('OTEL_') && blankAsUnset(env[name]) !== undefined);
    if (set.length > 0) logger.warn({ set }, 'tracing off: neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, so these are not used');
    return undefined;
  }
  if (blankAsUnset(env['OTEL_SDK_DISABLED'])?.toLowerCase() === 'true') {
    logger.info({ endpoint }, 'tracing off: OTEL_SDK_DISABLED=true');
    return undefined;
  }
  const problems: string[] = [];
  const exporters = listOf(env['OTEL_TRACES_EXPORTER']);
  if (exporters !== undefined) {
    if (exporters.includes('none')) {
      logger.info({ endpoint }, 'tracing off: OTEL_TRACES_EXPORTER=none');
      return undefined;
    }
    const others = exporters.filter((e) => e !== 'otlp');
    if (others.length > 0) problems.push(`OTEL_TRACES_EXPORTER: only otlp is supported, not ${others.join(', ')}`);
  }
  const protocol = blankAsUnset(env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL']);
  if (protocol !== undefined && protocol !== 'http/json') {
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: spans go as http/json (OTLP over HTTP, JSON) to ${endpoint}`);
  }
  const propagators = listOf(env['OTEL_PROPAGATORS'])?.filter((p) => p !== 'tracecontext' && p !== 'baggage');
  if (propagators !== undefined && propagators.length > 0) {
    problems.push(`OTEL_PROPAGATORS: the gateway reads and writes W3C tracecontext only (baggage passes through), not ${propagators.join(', ')}`);
  }
  const chosen = samplerFromEnv(env);
  problems.push(...chosen.problems);
  const attributes = resourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES'], problems);
  const serviceName = blankAsUnset(env['OTEL_SERVICE_NAME']) ?? attributes[ATTR_SERVICE_NAME] ?? DEFAULT_SERVICE_NAME;
  for (const problem of problems) logger.warn(problem);

  // The SDK's own complaints (a failed export, a dropped span) go to the platform's log.
  const complain = (message: string, ...args: unknown[]): void => logger.warn({ args: args.map(String) }, `opentelemetry: ${message}`);
  diag.setLogger(
    {
      error: complain,
      warn: complain,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  // Headers, timeout, compression and certificates: the exporter reads OTEL_EXPORTER_OTLP_* itself.
  const exporter = new OTLPTraceExporter({ url: endpoint });
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...attributes, [ATTR_SERVICE_NAME]: serviceName })),
    sampler: chosen.sampler,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  logger.info({ endpoint, serviceName, sampler: chosen.name }, 'tracing on: spans go over OTLP/HTTP (JSON)');
  return {
    tracer: provider.getTracer('mlaas-gateway'),
    endpoint,
    shutdown: () => provider.shutdown(),
  };
}

/** The OTLP/HTTP traces URL the variables name, or undefined when they name none. */
export function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const signal = blankAsUnset(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  if (signal !== undefined) return signal;
  const base = blankAsUnset(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  if (base === undefined) return undefined;
  return base.endsWith('/') ? `${base}v1/traces` : `${base}/v1/traces`;
}

/** A comma-separated variable's entries, trimmed and lowercased; undefined when unset. */
function listOf(value: string | undefined): string[] | undefined {
  const v = blankAsUnset(value);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

/** `OTEL_RESOURCE_ATTRIBUTES`: `key=value` pairs, comma-separated, values percent-encoded (W3C Baggage's form). */
function resourceAttributes(raw: string | undefined, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const v = blankAsUnset(raw);
  if (v === undefined) return out;
  for (const pair of v.split(',')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    let value: string | undefined;
    try {
      value = eq < 0 ? undefined : decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      value = undefined;
    }
    if (key === '' || value === undefined) problems.push(`OTEL_RESOURCE_ATTRIBUTES: expected key=value, got ${JSON.stringify(pair)}; left out`);
    else out[key] = value;
  }
  return out;
}

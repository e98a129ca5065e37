/**
 * The sampler `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` name, with
 * the meaning the OpenTelemetry SDK configuration spec gives them. A value
 * mlaas cannot honour (a remote sampler, an argument out of range) is named
 * in `problems`, for the start-up log, and the spec's default takes its place.
 */
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace-base';

export interface ChosenSampler {
  sampler: Sampler;
  /** How the start-up log names it: `parentbased_traceidratio(0.1)`. */
  name: string;
  problems: string[];
}

const DEFAULT = 'parentbased_always_on';

export function samplerFromEnv(env: NodeJS.ProcessEnv): ChosenSampler {
  const problems: string[] = [];
  let kind = blankAsUnset(env['OTEL_TRACES_SAMPLER'])?.toLowerCase() ?? DEFAULT;
  const rawArg = blankAsUnset(env['OTEL_TRACES_SAMPLER_ARG']);
  const byRatio = kind === 'traceidratio' || kind === 'parentbased_traceidratio';
  if (!KINDS.has(kind)) {
    problems.push(`OTEL_TRACES_SAMPLER=${kind} is not supported (supported: ${[...KINDS].join(', ')}); using ${DEFAULT}`);
    kind = DEFAULT;
  }
  let ratio = 1;
  if (rawArg !== undefined) {
    const n = Number(rawArg);
    if (!byRatio) problems.push(`OTEL_TRACES_SAMPLER_ARG=${rawArg} has no meaning for ${kind}, which takes no argument`);
    else if (!Number.isFinite(n) || n < 0 || n > 1) problems.push(`OTEL_TRACES_SAMPLER_ARG must be a number in [0, 1], got ${rawArg}; using 1`);
    else ratio = n;
  }
  const root = kind.endsWith('always_on') ? new AlwaysOnSampler() : kind.endsWith('always_off') ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(ratio);
  const sampler = kind.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
  return { sampler, name: kind.endsWith('traceidratio') ? `${kind}(${ratio})` : kind, problems };
}

const KINDS = new Set(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']);

/** The spec treats an empty variable as an unset one. */
export function blankAsUnset(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

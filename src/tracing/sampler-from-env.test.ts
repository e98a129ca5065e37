/** OTEL_TRACES_SAMPLER and _ARG as the OpenTelemetry SDK configuration spec reads them. */
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { samplerFromEnv } from './sampler-from-env.js';

const decide = (env: NodeJS.ProcessEnv, traceId: string) =>
  samplerFromEnv(env).sampler.shouldSample(ROOT_CONTEXT, traceId, 'GET', SpanKind.SERVER, {}, []).decision;

describe('samplerFromEnv', () => {
  it('defaults to parentbased_always_on, as the spec does, and treats a blank variable as unset', () => {
    const chosen = samplerFromEnv({ OTEL_TRACES_SAMPLER: ' ' });
    expect(chosen.name).toBe('parentbased_always_on');
    expect(chosen.problems).toEqual([]);
  });

  it('samples by trace id at the ratio OTEL_TRACES_SAMPLER_ARG gives', () => {
    const env = { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' };
    expect(samplerFromEnv(env).name).toBe('traceidratio(0.5)');
    // The SDK's ratio sampler keeps a trace whose id's four 32-bit words, XORed, fall under ratio × (2^32 − 1).
    expect(decide(env, '00000000000000000000000000000001')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(env, '000000000000000000000000ffffffff')).toBe(SamplingDecision.NOT_RECORD);
  });

  it('names an argument out of range, or one the sampler takes none of, instead of dropping it silently', () => {
    const bad = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' });
    expect(bad.name).toBe('parentbased_traceidratio(1)');
    expect(bad.problems).toEqual(['OTEL_TRACES_SAMPLER_ARG must be a number in [0, 1], got 2; using 1']);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '0.1' }).problems).toEqual([
      'OTEL_TRACES_SAMPLER_ARG=0.1 has no meaning for always_on, which takes no argument',
    ]);
  });

  it('falls back to the default for a sampler it does not have, and says so', () => {
    const chosen = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'xray' });
    expect(chosen.name).toBe('parentbased_always_on');
    expect(chosen.problems[0]).toMatch(/^OTEL_TRACES_SAMPLER=xray is not supported/);
  });
});

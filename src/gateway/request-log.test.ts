/**
 * The request log's lines, as `mlaas logs` and a log shipper read them: the
 * same text JSON.stringify would write for the line's fields in pino's
 * order, whatever the strings hold and however the durations fall.
 */
import { describe, expect, it } from 'vitest';
import { RequestLog, type RequestLogLine } from './request-log.js';

function lineOf(fields: Partial<RequestLogLine>): string {
  const out: string[] = [];
  const log = new RequestLog({ destination: { write: (l) => out.push(l) }, sample: 1, now: () => 1_700_000_000_000, pid: 42 });
  log.write({
    requestId: 'r-1',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    tenant: 'acme',
    service: 'spam',
    revision: 'spam-00001',
    instance: 'spam-00001-abc',
    route: 'POST /v1/predict',
    method: 'POST',
    path: '/v1/predict',
    status: 200,
    durationMs: 1.5,
    gatewayMs: 0.25,
    queueMs: 0,
    requestBytes: 10,
    responseBytes: 20,
    ...fields,
  });
  return out[0] as string;
}

/** What JSON.stringify writes for the same line, durations rounded to the µs. */
function expected(line: string): string {
  const parsed = JSON.parse(line) as Record<string, unknown>;
  return `${JSON.stringify(parsed)}\n`;
}

describe('request log line', () => {
  it('writes the fields in pino order with level, time, pid and msg', () => {
    expect(lineOf({})).toBe(
      '{"level":30,"time":1700000000000,"pid":42,"requestId":"r-1","traceId":"0af7651916cd43dd8448eb211c80319c","tenant":"acme","service":"spam",' +
        '"revision":"spam-00001","instance":"spam-00001-abc","route":"POST /v1/predict","method":"POST","path":"/v1/predict","status":200,' +
        '"durationMs":1.5,"gatewayMs":0.25,"queueMs":0,"requestBytes":10,"responseBytes":20,"msg":"request"}\n',
    );
  });

  it('escapes every string as JSON.stringify does: quotes, backslashes, control and non-ASCII characters', () => {
    for (const path of ['/a"b', '/a\\b', '/tab\there', '/new\nline', '/é', '/\u2028', '/\ud800', '/\u007f', '']) {
      const line = lineOf({ path, route: `POST ${path}` });
      expect(JSON.parse(line)).toMatchObject({ path, route: `POST ${path}` });
      expect(line).toBe(expected(line));
    }
  });

  it('leaves out the fields that are undefined', () => {
    const line = JSON.parse(lineOf({ tenant: undefined, service: undefined, revision: undefined, instance: undefined })) as Record<string, unknown>;
    expect(Object.keys(line)).not.toContain('tenant');
    expect(Object.keys(line)).not.toContain('instance');
    expect(line['route']).toBe('POST /v1/predict');
  });

  it('writes durations rounded to the µs as the shortest JSON number', () => {
    const cases: [number, number][] = [
      [5.6314999, 5.631],
      [5.6315, 5.632],
      [0.02, 0.02],
      [0.0004, 0],
      [0.0005, 0.001],
      [3, 3],
      [10.1, 10.1],
      [123456.789, 123456.789],
    ];
    for (const [ms, logged] of cases) {
      const line = lineOf({ durationMs: ms, gatewayMs: ms, queueMs: ms });
      expect(JSON.parse(line)).toMatchObject({ durationMs: logged, gatewayMs: logged, queueMs: logged });
      expect(line).toContain(`"durationMs":${JSON.stringify(logged)},`);
    }
    // Past 2^53 µs, and below 0, the number's own decimal still.
    for (const ms of [1e13 + 0.25, -1.5]) expect(lineOf({ durationMs: ms })).toContain(`"durationMs":${JSON.stringify(Math.round(ms * 1000) / 1000)},`);
    for (let i = 0; i < 2_000; i++) {
      const ms = i * 0.0137;
      expect(lineOf({ durationMs: ms })).toContain(`"durationMs":${JSON.stringify(Math.round(ms * 1000) / 1000)},`);
    }
  });
});

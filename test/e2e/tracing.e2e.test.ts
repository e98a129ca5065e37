/**
 * Black-box: the real `mlaas up`, started with OTEL_EXPORTER_OTLP_ENDPOINT,
 * sends its gateway's spans to a real OTLP/HTTP receiver. With the batch delay
 * set beyond the test's length (OTEL_BSP_SCHEDULE_DELAY), the spans can only
 * arrive through the flush at shutdown.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KIND, SERVER_KIND, spanAttribute, startOtlpReceiver, type OtlpReceiver } from '../../src/tracing/fixtures/otlp-receiver.js';
import { startMlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let receiver: OtlpReceiver;
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
/** The traceparent the instance got, per request. */
const seenByInstance: string[] = [];
let exitCode: number | null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-tracing-e2e-'));
  receiver = await startOtlpReceiver();
  writeNodeService(
    path.join(dir, 'echo'),
    `  req.resume();
  req.on('end', () => res.end(JSON.stringify({ traceparent: req.headers['traceparent'] })));`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo
    command: [node, server.mjs]
    scaling: { minInstances: 1 }
tenants:
  acme: { demoKey: true }
`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/answer' }]));
  const up = await startMlaasUp(dir, 'state', 120_000, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'e2e-gateway',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  });
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${up.gatewayUrl}/v1/echo`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-api-key': up.demoKey, traceparent: `00-${TRACE}-${CALLER_SPAN}-01` },
    });
    expect(res.status).toBe(200);
    seenByInstance.push(((await res.json()) as { traceparent: string }).traceparent);
  }
  exitCode = await up.stop();
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mlaas up tracing', () => {
  it('exports, at shutdown, a server span per request under the caller’s span and a client span the instance was told of', () => {
    expect(exitCode).toBe(0);
    const servers = receiver.spans.filter((s) => s.kind === SERVER_KIND);
    const clients = receiver.spans.filter((s) => s.kind === CLIENT_KIND);
    expect(servers).toHaveLength(3);
    expect(clients).toHaveLength(3);
    for (const server of servers) {
      expect(server).toMatchObject({ traceId: TRACE, parentSpanId: CALLER_SPAN, name: 'POST /v1/echo', serviceName: 'e2e-gateway' });
      expect(spanAttribute(server, 'mlaas.service')).toBe('echo');
      expect(spanAttribute(server, 'mlaas.tenant')).toBe('acme');
      expect(String(spanAttribute(server, 'mlaas.revision'))).toMatch(/^echo-\d+$/);
      expect(spanAttribute(server, 'http.response.status_code')).toBe(200);
    }
    expect(new Set(clients.map((c) => c.parentSpanId))).toEqual(new Set(servers.map((s) => s.spanId)));
    expect(seenByInstance.sort()).toEqual(clients.map((c) => `00-${TRACE}-${c.spanId}-01`).sort());
  });

  it('says in mlaas.log where spans go', () => {
    const log = readFileSync(path.join(dir, 'state', 'logs', 'mlaas.log'), 'utf8');
    expect(log).toContain(`"endpoint":"${receiver.url}/v1/traces"`);
    expect(log).toContain('tracing on');
  });
});

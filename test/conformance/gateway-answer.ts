/**
 * How a conformance case talks to the gateway: one request with the key in
 * the header or the query, its answer read once (the JSON the fixture
 * service echoes, or the gateway's problem+json), and the assertion that an
 * answer is the gateway's refusal with a given status and code.
 */
import { expect } from 'vitest';

/** What the fixture service saw of a request (fixture-service.ts). */
export interface Seen {
  version: string;
  /** K_REVISION of the instance that answered, else the x-mlaas-revision it was sent. */
  revision: string;
  method: string;
  path: string;
  /** The query string as the instance got it, without the `?`. */
  query: string;
  headers: Record<string, string | undefined>;
  /** Requests in flight at the instance when this one arrived, itself included. */
  inFlightAtStart: number;
  startedAt: number;
  endedAt: number;
  bodyBytes: number;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  requestId?: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The fixture service's echo when the instance answered (status 200). */
  seen: Seen | undefined;
  /** The gateway's problem+json when it refused or failed the request. */
  problem: Problem | undefined;
}

export interface SendOptions {
  method?: string;
  /** A full API key; sent in `x-api-key`, or as `key=` in the query with `keyIn: 'query'`. */
  key?: string;
  keyIn?: 'header' | 'query';
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export async function sendRequest(gatewayUrl: string, pathAndQuery: string, opts: SendOptions = {}): Promise<Answer> {
  let target = pathAndQuery;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== undefined) {
    if (opts.keyIn === 'query') target += `${target.includes('?') ? '&' : '?'}key=${encodeURIComponent(opts.key)}`;
    else headers['x-api-key'] = opts.key;
  }
  const res = await fetch(gatewayUrl + target, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body ?? null,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  });
  const text = await res.text();
  const json = text === '' ? undefined : (JSON.parse(text) as unknown);
  const isProblem = res.headers.get('content-type')?.startsWith('application/problem+json') === true;
  return {
    status: res.status,
    headers: res.headers,
    seen: res.status === 200 && !isProblem ? (json as Seen) : undefined,
    problem: isProblem ? (json as Problem) : undefined,
  };
}

/** The answer is the gateway's problem+json with this status and code, naming the request id it answered with. */
export function expectProblem(answer: Answer, status: number, code: string): Problem {
  expect(answer.headers.get('content-type'), `a problem+json answer, got ${answer.status}`).toMatch(/^application\/problem\+json/);
  expect(answer.problem).toMatchObject({ status, code, requestId: expect.any(String) });
  expect(answer.status).toBe(status);
  expect(answer.problem?.requestId).toBe(answer.headers.get('x-request-id'));
  return answer.problem as Problem;
}

/** The answer came from an instance (200 with the fixture's echo), which it returns. */
export function expectServed(answer: Answer): Seen {
  expect(answer.problem, `an instance's answer, got ${answer.status} ${JSON.stringify(answer.problem)}`).toBeUndefined();
  expect(answer.status).toBe(200);
  return answer.seen as Seen;
}

/**
 * A POST load generator for fault tests that counts what wrk and autocannon
 * hide: a request whose connection closed without a response, or that got no
 * response within the route's deadline plus some slack, is counted as "no
 * answer" instead of being dropped or retried. `connections` workers each send
 * one request at a time over their own keep-alive connection, until
 * `maxRequests` were sent, `durationMs` passed or `until` says so, whichever comes first.
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  body: string;
  connections: number;
  /** Stops sending after this many requests in all. */
  maxRequests: number;
  /** Stops sending after this long; requests already sent are still counted. */
  durationMs: number;
  /** A request not answered completely after this long is counted as no answer (and its socket dropped). */
  answerWithinMs: number;
  /** Told when each request ends: lets a test act in the middle of the load. */
  onAnswer?: (done: number) => void;
  /** Stops sending once this answers true (asked before each request): the load lasts as long as what it runs beside. */
  until?: () => boolean;
}

export interface LoadAnswer {
  status: number;
  contentType: string | undefined;
  /** The problem's `code` for a problem+json answer. */
  code: string | undefined;
  latencyMs: number;
}

export interface LoadReport {
  sent: number;
  /** Status → how many requests got it (with a complete body). */
  byStatus: Record<string, number>;
  /** Closed or reset without a response head, or no head within `answerWithinMs`. */
  noAnswer: number;
  /** A response head came but its body broke off. */
  truncated: number;
  /** The slowest complete answer. */
  maxLatencyMs: number;
  /** Every answer that was not 2xx, in order (a fault test has few). */
  failures: LoadAnswer[];
  /** What happened to the first few requests without an answer. */
  noAnswerReasons: string[];
}

type Outcome = { kind: 'answer'; answer: LoadAnswer } | { kind: 'none' | 'truncated'; reason: string };

export async function runAnswerCountingLoad(o: LoadOptions): Promise<LoadReport> {
  const target = new URL(o.url);
  const body = Buffer.from(o.body);
  const report: LoadReport = { sent: 0, byStatus: {}, noAnswer: 0, truncated: 0, maxLatencyMs: 0, failures: [], noAnswerReasons: [] };
  const stopAt = Date.now() + o.durationMs;
  let done = 0;

  const worker = async (): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (report.sent < o.maxRequests && Date.now() < stopAt && o.until?.() !== true) {
        report.sent++;
        const outcome = await once(agent, target, o, body);
        if (outcome.kind === 'answer') {
          const a = outcome.answer;
          report.byStatus[a.status] = (report.byStatus[a.status] ?? 0) + 1;
          report.maxLatencyMs = Math.max(report.maxLatencyMs, a.latencyMs);
          if (a.status < 200 || a.status > 299) report.failures.push(a);
        } else {
          if (outcome.kind === 'none') report.noAnswer++;
          else report.truncated++;
          if (report.noAnswerReasons.length < 10) report.noAnswerReasons.push(`${outcome.kind}: ${outcome.reason}`);
        }
        o.onAnswer?.(++done);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  return report;
}

function once(agent: Agent, target: URL, o: LoadOptions, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let settled = false;
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request(target, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', ...o.headers, 'content-length': body.length },
    });
    let status: number | undefined;
    const timer = setTimeout(() => {
      if (status === undefined) settle({ kind: 'none', reason: `no response within ${o.answerWithinMs} ms` });
      else settle({ kind: 'truncated', reason: `status ${status}, body not complete within ${o.answerWithinMs} ms` });
      req.destroy();
    }, o.answerWithinMs);
    req.on('response', (res) => {
      status = res.statusCode;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const contentType = res.headers['content-type'];
        const answer: LoadAnswer = { status: res.statusCode ?? 0, contentType, code: undefined, latencyMs: Date.now() - started };
        if (contentType === 'application/problem+json') {
          try {
            answer.code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string }).code;
          } catch {
            answer.code = 'unparseable problem body';
          }
        }
        settle({ kind: 'answer', answer });
      });
      res.on('aborted', () => settle({ kind: 'truncated', reason: `status ${res.statusCode}, body broke off` }));
      res.on('error', (err) => settle({ kind: 'truncated', reason: `status ${res.statusCode}, ${err.message}` }));
    });
    req.on('error', (err) => settle({ kind: 'none', reason: err.message }));
    req.on('close', () => {
      settle(status === undefined ? { kind: 'none', reason: 'connection closed without a response' } : { kind: 'truncated', reason: `status ${status}, connection closed mid-body` });
    });
    req.end(body);
  });
}

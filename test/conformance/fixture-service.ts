/**
 * The conformance suite's service: a dependency-free Node instance that
 * answers every request with what it received (method, path, query, all
 * headers, body size), which revision it is, how many requests it had in
 * flight when this one arrived and when it started and ended; `/slow?ms=N`
 * answers after N ms, and `/inflight` answers only its in-flight count.
 */
import { writeNodeService } from '../e2e/scenario.js';

export function writeFixtureService(dir: string, version: string): string {
  return writeNodeService(
    dir,
    `  if (req.url === '/inflight') return res.end(JSON.stringify({ inFlight }));
  const startedAt = Date.now();
  const inFlightAtStart = ++inFlight;
  let bodyBytes = 0;
  req.on('data', (c) => (bodyBytes += c.length));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://instance');
    const ms = url.pathname.endsWith('/slow') ? Number(url.searchParams.get('ms') ?? '0') : 0;
    setTimeout(() => {
      inFlight--;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        version: ${JSON.stringify(version)},
        revision: process.env.K_REVISION ?? req.headers['x-mlaas-revision'],
        method: req.method,
        path: url.pathname,
        query: url.search.slice(1),
        headers: req.headers,
        inFlightAtStart,
        startedAt,
        endedAt: Date.now(),
        bodyBytes,
      }));
    }, ms);
  });`,
    'let inFlight = 0;',
  );
}

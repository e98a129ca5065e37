/**
 * The floor a Node proxy can reach, the gateway-floor benchmark's peer: a
 * `node:http` server that checks the caller's key in a Map, reads the small
 * body, and forwards over an undici `Pool` (keep-alive, as the gateway's)
 * with `Pool.stream` straight into the caller's response. Run as its own
 * process: `node bare-undici-proxy.js LISTEN_PORT UPSTREAM_ORIGIN KEY`;
 * prints `ready` once it listens.
 */
import http from 'node:http';
import { Pool } from 'undici';

const [port, origin, key] = process.argv.slice(2);
const keys = new Map([[key, { tenant: 'acme' }]]);
const pool = new Pool(origin ?? '', { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'x-api-key']);

http
  .createServer((req, res) => {
    if (!keys.has(req.headers['x-api-key'] as string)) {
      res.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string | string[]> = {};
      for (const name in req.headers) if (!HOP.has(name)) headers[name] = req.headers[name] as string | string[];
      pool
        .stream({ method: req.method as 'POST', path: req.url ?? '/', headers, body: Buffer.concat(chunks) }, ({ statusCode, headers: h }) => {
          const out: Record<string, string | string[]> = {};
          for (const name in h) if (!HOP.has(name)) out[name] = h[name] as string | string[];
          res.writeHead(statusCode, out);
          return res;
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
    });
  })
  .listen(Number(port), '127.0.0.1', () => console.log('ready'));
// Exits through process.exit so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));

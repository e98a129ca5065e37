/**
 * Malformed and hostile HTTP/1.1 requests, drawn from a seeded generator so a
 * failing case can be replayed: odd methods and targets, missing or doubled
 * Host, contradictory framing (Content-Length against Transfer-Encoding,
 * lengths that lie), broken chunking, oversized heads and bodies, deep JSON,
 * hop-by-hop and forwarding headers, caller-sent x-mlaas-* headers, and
 * pipelined requests. Each case says how many requests its bytes hold and
 * whether the server owes at least one answer (a request whose bytes were
 * all sent), so a missing or an extra answer can be told apart.
 */
import { seededRandom } from '../seeded-random.js';

export interface FuzzCase {
  seed: number;
  /** What the case does, for the report. */
  label: string;
  bytes: Buffer;
  /** Requests the bytes hold (garbage after a request counts as one more): the most answers the server may send. */
  requests: number;
  /** The server must answer at least once: every byte of the first request was sent. */
  owed: boolean;
  /** The first request is a HEAD (its answer carries no body). */
  head: boolean;
}

export interface FuzzTarget {
  /** Paths to aim at, a route's own and others. */
  paths: readonly string[];
  /** A valid credential header line, e.g. `x-api-key: mlk_…`. */
  credential: string;
}

const METHODS = ['GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'post', 'CONNECT', 'TRACE', 'BREW', 'G E T', 'PO\x00ST'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.12', 'HTTX/1.1', ''];
const HOSTILE_PATHS = ['*', '', 'http://evil.example/echo', '//echo', '/%00', '/..%2f..%2fetc/passwd', '/echo?key=', '/echo#frag', '/ echo', '/echo\t', '/\u00e9'];

export function fuzzCase(seed: number, target: FuzzTarget): FuzzCase {
  const r = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const chance = (p: number): boolean => r() < p;
  const labels: string[] = [];

  const method = pick(METHODS);
  let path = chance(0.8) ? pick(target.paths) : pick(HOSTILE_PATHS);
  if (chance(0.1)) path += `/${'a'.repeat(Math.floor(r() * 9000))}`;
  if (chance(0.15)) path += `?${pick(['key=mlk_bogus', 'a=1&a=2', '%zz', 'x='.repeat(500)])}`;
  const version = pick(VERSIONS);
  const headers: string[] = [];
  if (!chance(0.08)) headers.push('Host: 127.0.0.1');
  else labels.push('no-host');
  if (chance(0.05)) headers.push('Host: other.example');
  if (chance(0.8)) headers.push(chance(0.85) ? target.credential : pick(['x-api-key: mlk_nope_nope', 'x-api-key:', 'Authorization: Bearer e30.e30.', 'x-api-key: \u00ff']));
  if (chance(0.2)) headers.push(pick(['x-mlaas-tag: canary', 'x-mlaas-tenant: other', 'x-mlaas-config: e30', 'x-mlaas-settings: !!!', 'x-mlaas-settings: eyJhIjoxfQ']));
  if (chance(0.2)) headers.push(pick(['Connection: close', 'Connection: keep-alive, x-drop', 'Connection: upgrade', 'Upgrade: websocket', 'Expect: 100-continue', 'TE: trailers']));
  if (chance(0.15)) headers.push(pick(['X-Forwarded-For: 6.6.6.6', 'Forwarded: for=6.6.6.6', 'X-Real-IP: 6.6.6.6', 'X-Forwarded-Proto: https']));
  if (chance(0.05)) {
    headers.push(`X-Big: ${'b'.repeat(20_000 + Math.floor(r() * 20_000))}`);
    labels.push('big-head');
  }
  if (chance(0.05)) for (let i = 0; i < 150; i++) headers.push(`X-Many-${i}: ${i}`);
  if (chance(0.05)) headers.push(pick(['Bad Header: x', 'X-Fold: a\r\n folded', 'X-Nul: a\x00b', ': empty-name', 'X-Colonless']));
  if (chance(0.2)) headers.push(pick(['content-type: application/json', 'content-type: text/plain', 'content-type: application/json; charset=latin1']));

  let body = bodyOf(r, pick, chance, labels);
  let requests = 1;
  let owed = true;
  let framing = pick(['length', 'length', 'length', 'chunked', 'none', 'lie-short', 'lie-long', 'both', 'bad-chunks', 'double-length', 'bad-length']);
  if (framing === 'none' && body.length > 0 && method !== 'GET') framing = 'length';
  labels.push(framing);
  switch (framing) {
    case 'length':
      headers.push(`Content-Length: ${body.length}`);
      break;
    case 'chunked':
      headers.push('Transfer-Encoding: chunked');
      body = chunk(body, r);
      break;
    case 'none':
      body = Buffer.alloc(0);
      break;
    case 'lie-short': {
      // The bytes past the declared length reach the server as the start of another request.
      const declared = Math.floor(body.length / 2);
      headers.push(`Content-Length: ${declared}`);
      if (body.length > declared) requests++;
      break;
    }
    case 'lie-long':
      // Fewer bytes than declared: the request never completes, the server owes nothing before its timeout.
      headers.push(`Content-Length: ${body.length + 1 + Math.floor(r() * 1000)}`);
      owed = false;
      break;
    case 'both':
      headers.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked');
      body = chunk(body, r);
      break;
    case 'bad-chunks': {
      headers.push('Transfer-Encoding: chunked');
      const start = pick(['zz\r\n', '5\r\nabc\r\n', 'ffffffffffffffff\r\n', '3;x\r\nabc\r\nQ\r\n', '-1\r\n']);
      // A chunk of 2^64-1 bytes is valid HTTP that never ends: like a lying length, nothing is owed before the timeout.
      if (start.startsWith('ffff')) owed = false;
      body = Buffer.concat([Buffer.from(start), body]);
      break;
    }
    case 'double-length':
      headers.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 5}`);
      break;
    case 'bad-length':
      headers.push(pick(['Content-Length: -1', 'Content-Length: 1e3', 'Content-Length: abc', 'Content-Length: 99999999999999999999']));
      break;
  }
  if (chance(0.1)) {
    // Pipelined: a second, ordinary request right behind the first.
    body = Buffer.concat([body, Buffer.from(`GET ${target.paths[0]} HTTP/1.1\r\nHost: 127.0.0.1\r\n${target.credential}\r\n\r\n`)]);
    requests++;
    labels.push('pipelined');
  }
  let head = Buffer.from(`${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  if (chance(0.05)) {
    // The head cut short: nothing is owed until the server's header timeout.
    head = head.subarray(0, Math.floor(r() * head.length));
    body = Buffer.alloc(0);
    owed = false;
    requests = 1;
    labels.push('cut-head');
  }
  const label = `${method} ${path.slice(0, 40)} ${version} [${labels.join(',')}]`;
  return { seed, label, bytes: Buffer.concat([head, body]), requests, owed, head: method === 'HEAD' };
}

function bodyOf(r: () => number, pick: <T>(list: readonly T[]) => T, chance: (p: number) => boolean, labels: string[]): Buffer {
  if (chance(0.3)) return Buffer.alloc(0);
  if (chance(0.05)) {
    labels.push('deep-json');
    const depth = 5_000 + Math.floor(r() * 10_000);
    return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  }
  if (chance(0.05)) {
    labels.push('big-body');
    return Buffer.alloc(1_100_000 + Math.floor(r() * 200_000), 0x61);
  }
  if (chance(0.1)) return Buffer.from(Array.from({ length: Math.floor(r() * 2000) }, () => Math.floor(r() * 256)));
  return Buffer.from(pick(['{}', '{"text":"hello"}', '{"text":', 'null', '[1,2,3]', '{"a":"\u0000"}', `{"text":"${'x'.repeat(5000)}"}`, '\ufeff{}']));
}

function chunk(body: Buffer, r: () => number): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const size = Math.min(body.length - at, 1 + Math.floor(r() * 4096));
    parts.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/**
 * The relay of a backend's answer to the caller, over real HTTP on both
 * sides: what the caller receives when the answer is large and read slowly,
 * when the backend dies in the middle of it, and which head fields pass.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayAnswer } from './answer-relay.js';
import { responseHeaders } from './forward-headers.js';

const BIG = Buffer.alloc(4 * 1024 * 1024, 'abcdefghijklmnopqrstuvwxyz');
let backend: Server;
let front: Server;
let pool: Pool;
let frontPort: number;
const relayed: ('resolved' | 'rejected')[] = [];

beforeAll(async () => {
  backend = createServer((req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG.length) });
      res.end(BIG);
    } else if (req.url === '/dies') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100), () => res.socket?.destroy());
    } else {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-request-id', 'the-backends-own');
      res.end('ok');
    }
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  pool = new Pool(`http://127.0.0.1:${(backend.address() as AddressInfo).port}`);
  front = createServer((req, res) => {
    relayAnswer(pool, { method: 'GET', path: req.url ?? '/', headers: {}, headersTimeout: 5000, bodyTimeout: 5000 }, res, (status, raw) => {
      res.writeHead(status, responseHeaders(raw, 'gateway-id'));
      return res;
    }).then(
      () => relayed.push('resolved'),
      () => relayed.push('rejected'),
    );
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  frontPort = (front.address() as AddressInfo).port;
});

afterAll(async () => {
  await pool.close();
  await Promise.all([backend, front].map((s) => new Promise((r) => s.close(r))));
});

function get(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request({ port: frontPort, host: '127.0.0.1', path }, resolve).on('error', reject).end());
}

describe('relayAnswer', () => {
  it('hands a 4 MB answer to a caller that reads slowly whole and in order', async () => {
    const res = await get('/big');
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      // Slower than the backend sends: the caller's connection fills and the relay must wait for it.
      if (bytes % (256 * 1024) < 65536) await new Promise((r) => setTimeout(r, 5));
    }
    expect(bytes).toBe(BIG.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(BIG).digest('hex'));
    expect(relayed.at(-1)).toBe('resolved');
  });

  it("cuts the caller's connection when the backend dies in the middle of its body", async () => {
    const res = await get('/dies');
    expect(res.statusCode).toBe(200);
    const outcome = await new Promise<string>((resolve) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve(`ended after ${bytes} bytes`));
      res.on('aborted', () => resolve('cut'));
      res.on('error', () => resolve('cut'));
    });
    expect(outcome).toBe('cut');
    await new Promise((r) => setTimeout(r, 50));
    expect(relayed.at(-1)).toBe('rejected');
  });

  it("passes repeated fields as they came and keeps the backend's own request id", async () => {
    const res = await get('/small');
    res.resume();
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['x-request-id']).toBe('the-backends-own');
  });
});

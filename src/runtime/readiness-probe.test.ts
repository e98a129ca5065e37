import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { waitUntilReady } from './readiness-probe.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function listen(server: net.Server, port: number): Promise<void> {
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

function httpServer(status: number): http.Server {
  return http.createServer((_req, res) => {
    res.statusCode = status;
    res.end();
  });
}

describe('waitUntilReady', () => {
  it('resolves soon after a late-starting service answers 200 on /healthz', async () => {
    const port = await freePort();
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    setTimeout(() => void listen(server, port), 150);
    const started = Date.now();
    await waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 5_000 });
    // Polling backs off to 200 ms at most, so readiness is noticed well within that after the listen.
    expect(Date.now() - started).toBeLessThan(150 + 250);
    expect(seen).toEqual(['/healthz']);
  });

  it('counts a 404 on the health path as ready: the service has no such route but its port accepts', async () => {
    const port = await freePort();
    await listen(httpServer(404), port);
    await expect(waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 1_000 })).resolves.toBeUndefined();
  });

  it('counts a port that accepts but does not speak HTTP as ready', async () => {
    const port = await freePort();
    await listen(net.createServer((socket) => socket.resume().end('SSH-2.0-not-http\r\n')), port);
    await expect(waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 1_000 })).resolves.toBeUndefined();
  });

  it('keeps waiting on a 503 and names it when the timeout passes', async () => {
    const port = await freePort();
    await listen(httpServer(503), port);
    await expect(waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 300 })).rejects.toThrow(
      'not ready after 300ms: GET /healthz answered 503',
    );
  });

  it('names a refused connection and the address when nothing listens', async () => {
    const port = await freePort();
    await expect(waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 200 })).rejects.toThrow(
      `not ready after 200ms: connection refused on 127.0.0.1:${port}`,
    );
  });

  it('fails fast once the process is no longer alive', async () => {
    const port = await freePort();
    let alive = true;
    setTimeout(() => (alive = false), 50);
    const started = Date.now();
    await expect(waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 10_000, isAlive: () => alive })).rejects.toThrow(
      'exited before becoming ready',
    );
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('rejects at once with the abort reason', async () => {
    const port = await freePort();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('exited with code 1 before becoming ready')), 50);
    const started = Date.now();
    await expect(waitUntilReady({ host: '127.0.0.1', port, timeoutMs: 10_000, signal: controller.signal })).rejects.toThrow(
      'exited with code 1 before becoming ready',
    );
    expect(Date.now() - started).toBeLessThan(300);
  });
});

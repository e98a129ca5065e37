import { describe, expect, it } from 'vitest';
import { route, service } from './index.js';

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function slowService(drainTimeoutMs: number, release: Promise<void>, entered: () => void) {
  return service({
    name: 'slow',
    drainTimeoutMs,
    log: () => undefined,
    routes: [
      route({
        method: 'GET',
        path: '/slow',
        handler: async () => {
          entered();
          await release;
          return { done: true };
        },
      }),
      route({ method: 'GET', path: '/fast', handler: () => ({ fast: true }) }),
    ],
  });
}

describe('graceful shutdown', () => {
  it('lets an in-flight request finish with 200 while refusing new connections', async () => {
    const release = gate();
    const entered = gate();
    const app = slowService(10_000, release.opened, entered.open);
    const { port } = await app.listen({ port: 0, handleSignals: false });
    const url = `http://127.0.0.1:${port}`;

    const inFlight = fetch(`${url}/slow`);
    await entered.opened;
    const stopped = app.shutdown();

    await expect(fetch(`${url}/fast`)).rejects.toThrow();
    release.open();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(await stopped).toEqual({ forced: false });
  });

  it('closes the connection of a request in flight at the drain once its answer is sent, so the drain ends then', async () => {
    const release = gate();
    const entered = gate();
    const app = slowService(10_000, release.opened, entered.open);
    const { port } = await app.listen({ port: 0, handleSignals: false });
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await entered.opened;
    const stopped = app.shutdown();

    release.open();
    const res = await inFlight;
    expect(await res.json()).toEqual({ done: true });
    const answered = performance.now();
    expect(await stopped).toEqual({ forced: false });
    expect(performance.now() - answered).toBeLessThan(1_000);
  });

  it('does not let an idle keep-alive connection hold the drain open', async () => {
    const app = slowService(5_000, Promise.resolve(), () => undefined);
    const { port } = await app.listen({ port: 0, handleSignals: false });
    const res = await fetch(`http://127.0.0.1:${port}/fast`);
    expect(res.headers.get('connection')).toBe('keep-alive');
    await res.json();

    const began = performance.now();
    expect(await app.shutdown()).toEqual({ forced: false });
    expect(performance.now() - began).toBeLessThan(1_000);
  });

  it('cuts off requests still in flight after the drain timeout', async () => {
    const entered = gate();
    const app = slowService(200, new Promise(() => undefined), entered.open);
    const { port } = await app.listen({ port: 0, handleSignals: false });
    const hung = fetch(`http://127.0.0.1:${port}/slow`);
    await entered.opened;

    const began = performance.now();
    expect(await app.shutdown()).toEqual({ forced: true });
    const took = performance.now() - began;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(2_000);
    await expect(hung).rejects.toThrow();
  });
});

/**
 * A service as the runtime expects it (the Cloud Run contract without the
 * container): listen on 127.0.0.1:$PORT (on `MLAAS_LISTEN_HOST` when set, as
 * in an exported image), answer `/healthz` 200 once `onStart` is done, and on
 * SIGTERM finish in-flight requests, then exit within the drain timeout.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openApiDocument } from './openapi-document.js';
import { errorFields, logToStderr, type LogLine } from './log-to-stderr.js';
import { createRequestHandler } from './request-handler.js';
import type { Route } from './route.js';

export interface ServiceOptions {
  name: string;
  /** Published as `info.version` in `/openapi.json`. */
  version?: string;
  routes: readonly Route[];
  /** Runs after the port is bound and before `/healthz` says ready, e.g. to load a model. */
  onStart?: () => Promise<void> | void;
  /** Largest accepted request body; default 1 MiB. */
  bodyLimitBytes?: number;
  /** How long a shutdown waits for in-flight requests; default `MLAAS_DRAIN_TIMEOUT_MS` or 10000. */
  drainTimeoutMs?: number;
  /** Receives each log record (start, ready, drain, handler failures); default: one JSON line on stderr. */
  log?: LogLine;
}

export interface ListenOptions {
  /** Default `PORT` from the environment; 0 picks a free port. */
  port?: number;
  /** Default `MLAAS_LISTEN_HOST` from the environment, else 127.0.0.1. */
  host?: string;
  /** Drain and exit on SIGTERM and SIGINT; default true. */
  handleSignals?: boolean;
}

export interface Listening {
  port: number;
  host: string;
  /** Settles when `onStart` has finished; rejects with its error (the service then shuts down). */
  ready: Promise<void>;
  close: () => Promise<ShutdownResult>;
}

export interface ShutdownResult {
  /** True when the drain timeout cut off requests still in flight. */
  forced: boolean;
}

export interface Service {
  listen(options?: ListenOptions): Promise<Listening>;
  /** Stops accepting connections and lets in-flight requests finish (at most the drain timeout). */
  shutdown(): Promise<ShutdownResult>;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const DEFAULT_DRAIN_MS = 10_000;

function wholeNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name}: expected a whole number of milliseconds, got "${raw}"`);
  }
  return value;
}

function portFromEnv(): number {
  const raw = process.env['PORT'];
  const port = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT: expected a port number from 0 to 65535, got ${raw === undefined ? 'nothing' : `"${raw}"`}`);
  }
  return port;
}

/**
 * Declares a service.
 *
 * @example
 * const app = service({ name: 'echo', routes: [route({ method: 'POST', path: '/echo', body: z.object({ s: z.string() }), handler: ({ body }) => body })] });
 * await app.listen(); // 127.0.0.1:$PORT
 */
export function service(options: ServiceOptions): Service {
  const drainTimeoutMs = options.drainTimeoutMs ?? wholeNumberFromEnv('MLAAS_DRAIN_TIMEOUT_MS', DEFAULT_DRAIN_MS);
  let ready = false;
  let draining = false;
  let server: Server | undefined;
  let shutdownPromise: Promise<ShutdownResult> | undefined;
  const log = options.log ?? logToStderr;
  const signalHandlers: Array<[NodeJS.Signals, () => void]> = [];

  const handleRequest = createRequestHandler({
    routes: options.routes,
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    isReady: () => ready && !draining,
    draining: () => draining,
    log,
    openApi: openApiDocument({ name: options.name, version: options.version ?? '0.0.0' }, options.routes),
  });

  function drain(s: Server): Promise<ShutdownResult> {
    draining = true;
    for (const [signal, handler] of signalHandlers) process.off(signal, handler);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        log({ level: 'warn', msg: 'drain timeout: closing connections with requests in flight', drainTimeoutMs });
        s.closeAllConnections();
        resolve({ forced: true });
      }, drainTimeoutMs);
      timer.unref();
      s.close(() => {
        clearTimeout(timer);
        resolve({ forced: false });
      });
      // Idle keep-alive sockets would hold close() open until they time out.
      s.closeIdleConnections();
    });
  }

  function shutdown(): Promise<ShutdownResult> {
    if (server === undefined) return Promise.resolve({ forced: false });
    shutdownPromise ??= drain(server);
    return shutdownPromise;
  }

  function onSignal(signal: NodeJS.Signals): void {
    log({ level: 'info', msg: `${signal}: draining`, service: options.name });
    void shutdown().then(({ forced }) => process.exit(forced ? 1 : 0));
  }

  async function listen(listenOptions: ListenOptions = {}): Promise<Listening> {
    if (server !== undefined) throw new Error(`service ${options.name} is already listening`);
    const port = listenOptions.port ?? portFromEnv();
    // A container image sets MLAAS_LISTEN_HOST=0.0.0.0: there the platform's proxy is outside the loopback.
    const host = listenOptions.host ?? (process.env['MLAAS_LISTEN_HOST'] || '127.0.0.1');
    // Every answer written once draining began closes its connection (request-handler.ts), so a
    // request in flight at SIGTERM leaves no idle keep-alive socket behind to hold the drain open.
    const s = createServer((req, res) => {
      void handleRequest(req, res);
    });
    server = s;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    const ownProcess = listenOptions.handleSignals ?? true;
    if (ownProcess) {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const handler = () => onSignal(signal);
        signalHandlers.push([signal, handler]);
        process.once(signal, handler);
      }
    }
    const bound = (s.address() as AddressInfo).port;
    log({ level: 'info', msg: 'listening', service: options.name, host, port: bound });

    const started = (async () => {
      await options.onStart?.();
      ready = true;
      log({ level: 'info', msg: 'ready', service: options.name });
    })();
    started.catch((err: unknown) => {
      log({
        level: 'error',
        msg: 'onStart failed; shutting down',
        service: options.name,
        err: errorFields(err),
      });
      // A process of its own must not exit 0 when it never became ready.
      if (ownProcess) process.exitCode = 1;
      void shutdown();
    });
    return { port: bound, host, ready: started, close: shutdown };
  }

  return { listen, shutdown };
}

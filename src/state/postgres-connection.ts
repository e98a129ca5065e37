/**
 * One PostgreSQL connection the main thread uses synchronously, as it uses
 * better-sqlite3: every call waits for the worker thread (postgres-worker.ts)
 * that talks to the server. What fails becomes the MlaasError the SQLite
 * store would give, and no message names the password.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';
import { createSyncFn } from 'synckit';
import { MlaasError } from '../errors.js';
import { type QueryResult, type WorkerFailure, type WorkerReply, type WorkerRequest } from './postgres-protocol.js';
import { passwordOf, postgresAddress } from '../config/postgres-url.js';

/**
 * pg's own limits: a server that stops answering, or a row another process
 * keeps locked, fails a call rather than freezing this process's event loop.
 */
const LIMITS = { connectTimeoutMs: 5000, queryTimeoutMs: 10_000, lockTimeoutMs: 5000 };
/** A backstop beyond them, should the worker itself stop answering. */
const CALL_TIMEOUT_MS = 30_000;

type Call = (req: WorkerRequest) => WorkerReply;
let workerCall: Call | undefined;

/**
 * The built worker. In dist/ it sits beside this module; under vitest this
 * module is src/…/*.ts, but a worker thread runs plain Node, which cannot load
 * TypeScript, so it takes the build (`npm test` builds dist/ first).
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  if (here.endsWith('.js')) return path.join(dir, 'postgres-worker.js');
  const built = path.resolve(dir, '..', '..', 'dist', 'src', path.basename(dir), 'postgres-worker.js');
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run npm run build`);
  return built;
}

function worker(): Call {
  workerCall ??= createSyncFn<(req: WorkerRequest) => Promise<WorkerReply>>(workerFile(), { timeout: CALL_TIMEOUT_MS });
  return workerCall;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
};

export class PostgresConnection {
  /** `host:port` of the server, for messages. */
  readonly address: string;
  private readonly password: string | undefined;
  private readonly id: number;
  private channel: BroadcastChannel | undefined;
  private closed = false;

  /**
   * Connects, or throws ADMIN_STATE_UNAVAILABLE naming the `state` setting and the server.
   *
   * @example
   * const conn = new PostgresConnection('postgres://mlaas@127.0.0.1:5432/mlaas');
   * conn.query('SELECT 1 AS one'); // [{ one: 1 }]
   */
  constructor(url: string) {
    this.address = postgresAddress(url);
    this.password = passwordOf(url);
    let reply: WorkerReply;
    try {
      reply = worker()({ op: 'open', url, limits: LIMITS });
    } catch (err) {
      throw this.unavailable('cannot connect to', { message: (err as Error).message });
    }
    if (!reply.ok) throw this.unavailable('cannot connect to', reply.failure);
    this.id = reply.value as number;
  }

  query<R>(sql: string, params: readonly unknown[] = []): R[] {
    return (this.call({ op: 'query', id: this.id, sql, params }) as QueryResult).rows as R[];
  }

  /** The number of rows the statement changed. */
  run(sql: string, params: readonly unknown[] = []): number {
    return (this.call({ op: 'query', id: this.id, sql, params }) as QueryResult).rowCount;
  }

  /** `fn` in a transaction (a savepoint when nested): undone, and its error rethrown, if it throws. */
  transaction<T>(fn: () => T): T {
    this.call({ op: 'begin', id: this.id });
    let result: T;
    try {
      result = fn();
    } catch (err) {
      try {
        this.call({ op: 'rollback', id: this.id });
      } catch {
        // The first error says what went wrong; a failed rollback leaves nothing committed either.
      }
      throw err;
    }
    this.call({ op: 'commit', id: this.id });
    return result;
  }

  /** LISTENs on `channel` (on a connection of its own) and calls `onNotify` for each notification until `unlisten`. */
  listen(channel: string, onNotify: () => void): void {
    if (this.channel !== undefined) return;
    // Subscribed before the worker LISTENs, so that no notification falls between the two.
    const broadcast = `mlaas-postgres-changes-${randomUUID()}`;
    const messages = new BroadcastChannel(broadcast);
    messages.onmessage = onNotify;
    // Listening must not keep a process alive that has nothing else to do.
    messages.unref();
    try {
      this.call({ op: 'listen', id: this.id, channel, broadcast });
    } catch (err) {
      messages.close();
      throw err;
    }
    this.channel = messages;
  }

  unlisten(): void {
    if (this.channel === undefined) return;
    this.channel.close();
    this.channel = undefined;
    this.call({ op: 'unlisten', id: this.id });
  }

  /** Closes both connections; closing again does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel?.close();
    this.channel = undefined;
    this.call({ op: 'close', id: this.id });
  }

  private call(req: WorkerRequest): unknown {
    let reply: WorkerReply;
    try {
      reply = worker()(req);
    } catch (err) {
      throw this.unavailable('no answer from', { message: (err as Error).message });
    }
    if (!reply.ok) throw this.errorOf(reply.failure);
    return reply.value;
  }

  private errorOf(failure: WorkerFailure): Error {
    if (failure.lost === true) return this.unavailable('lost the connection to', failure);
    const what = this.scrub(failure.detail ?? failure.message);
    switch (failure.sqlstate) {
      case '23505': // unique_violation
      case '23503': // foreign_key_violation: what it refers to went away meanwhile
      case '40001': // serialization_failure
      case '40P01': // deadlock_detected
      case '55P03': // lock_not_available: another process held the row past lockTimeoutMs
        return new MlaasError('ADMIN_CONFLICT', `${what} (a concurrent change got there first; try again)`);
      case '22021': // character_not_in_repertoire: PostgreSQL text cannot hold NUL
      case '22P05':
        return new MlaasError('ADMIN_BODY_INVALID', `PostgreSQL cannot store this text: ${this.scrub(failure.message)}`);
      default:
        return new Error(`PostgreSQL at ${this.address}: ${this.scrub(failure.message)}`);
    }
  }

  private unavailable(verb: string, failure: WorkerFailure): MlaasError {
    const reason = (failure.errno !== undefined ? REASONS[failure.errno] : undefined) ?? this.scrub(failure.message);
    return new MlaasError('ADMIN_STATE_UNAVAILABLE', `state: ${verb} PostgreSQL at ${this.address} (${reason})`);
  }

  private scrub(text: string): string {
    return this.password === undefined ? text : text.split(this.password).join('***');
  }
}

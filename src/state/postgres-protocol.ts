/**
 * What the main thread and the PostgreSQL worker thread (postgres-worker.ts)
 * say to each other. Every request answers a reply rather than throwing, so
 * that what went wrong (SQLSTATE, errno) crosses the thread boundary as data
 * and the main thread alone decides which MlaasError it is.
 */

/** Limits of one connection; the main thread waits for every call, so none may hang. */
export interface ConnectionLimits {
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  /** How long a statement waits for a row lock another transaction holds. */
  lockTimeoutMs: number;
}

export type WorkerRequest =
  | { op: 'open'; url: string; limits: ConnectionLimits }
  | { op: 'query'; id: number; sql: string; params: readonly unknown[] }
  /** BEGIN, or a SAVEPOINT inside a transaction. */
  | { op: 'begin'; id: number }
  /** COMMIT, or RELEASE of the innermost savepoint. */
  | { op: 'commit'; id: number }
  /** ROLLBACK, or back to the innermost savepoint. */
  | { op: 'rollback'; id: number }
  /** LISTENs on `channel` on a second connection and posts every notification on the BroadcastChannel `broadcast`. */
  | { op: 'listen'; id: number; channel: string; broadcast: string }
  | { op: 'unlisten'; id: number }
  | { op: 'close'; id: number };

export interface QueryResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number;
}

/** What a failure was, as pg reported it. */
export interface WorkerFailure {
  message: string;
  /** PostgreSQL's SQLSTATE (`23505`…), when the server answered. */
  sqlstate?: string;
  /** Node's errno code (`ECONNREFUSED`…), when the network failed. */
  errno?: string;
  /** The server's DETAIL line, when it sent one. */
  detail?: string;
  /** The connection is gone (or never came): the database is unavailable, not the statement wrong. */
  lost?: boolean;
}

export type WorkerReply = { ok: true; value: unknown } | { ok: false; failure: WorkerFailure };

/**
 * The worker thread behind PostgresStateStore. pg is asynchronous and the
 * StateStore contract is not, so the store's calls come here through synckit
 * while the main thread waits, one at a time. Each store owns one connection
 * for its statements (so a transaction is simply BEGIN … COMMIT on it, nested
 * blocks as savepoints) and, once something listens, a second one that
 * LISTENs and posts every notification to the main thread on a
 * BroadcastChannel. One worker serves every store of the process.
 */
import { BroadcastChannel } from 'node:worker_threads';
import pg from 'pg';
import { runAsWorker } from 'synckit';
import { type ConnectionLimits, type WorkerFailure, type WorkerReply, type WorkerRequest } from './postgres-protocol.js';

// count(*) and BIGINT ids fit a double for as long as mlaas will run; the stores hand out numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

/** How soon a listening connection that was lost is tried again. */
const RELISTEN_MS = 1000;

interface Listener {
  client: pg.Client | undefined;
  channel: BroadcastChannel;
  stopped: boolean;
}

interface Connection {
  url: string;
  limits: ConnectionLimits;
  /** Undefined once lost: the next statement outside a transaction connects again. */
  client: pg.Client | undefined;
  depth: number;
  listener: Listener | undefined;
}

const connections = new Map<number, Connection>();
let nextId = 1;

class Lost extends Error {}

async function connect(conn: Connection, onLost: () => void): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: conn.url,
    connectionTimeoutMillis: conn.limits.connectTimeoutMs,
    query_timeout: conn.limits.queryTimeoutMs,
    lock_timeout: conn.limits.lockTimeoutMs,
    keepAlive: true,
    application_name: 'mlaas',
  });
  // An idle connection's error comes as an event; unhandled, it would end the worker.
  client.on('error', onLost);
  client.on('end', onLost);
  try {
    await client.connect();
  } catch (err) {
    client.removeAllListeners().on('error', () => undefined);
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

async function statementClient(conn: Connection): Promise<pg.Client> {
  if (conn.client !== undefined) return conn.client;
  if (conn.depth > 0) throw new Lost('the connection to PostgreSQL was lost during a transaction, which is undone');
  const client = await connect(conn, () => {
    if (conn.client === client) conn.client = undefined;
  });
  conn.client = client;
  return client;
}

async function run(conn: Connection, sql: string, params: readonly unknown[] = []): Promise<pg.QueryResult> {
  const client = await statementClient(conn);
  try {
    return await client.query(sql, params as unknown[]);
  } catch (err) {
    if (isLost(err)) {
      // A timed-out or broken connection may be mid-statement: never reuse it.
      if (conn.client === client) conn.client = undefined;
      client.end().catch(() => undefined);
    }
    throw err;
  }
}

async function listen(conn: Connection, channel: string, broadcast: string): Promise<void> {
  if (conn.listener !== undefined) return;
  const listener: Listener = { client: undefined, channel: new BroadcastChannel(broadcast), stopped: false };
  const start = async (): Promise<void> => {
    const client = await connect(conn, () => {
      if (listener.client !== client) return;
      listener.client = undefined;
      client.end().catch(() => undefined);
      if (!listener.stopped) setTimeout(() => void restart(), RELISTEN_MS);
    });
    client.on('notification', () => {
      if (!listener.stopped) listener.channel.postMessage('change');
    });
    try {
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      client.removeAllListeners().on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw err;
    }
    // Unlistened while this connection was being made: it is not wanted any more.
    if (listener.stopped) await client.end().catch(() => undefined);
    else listener.client = client;
  };
  const restart = async (): Promise<void> => {
    if (listener.stopped) return;
    try {
      await start();
      // Whatever changed while nobody listened was not notified: say that something may have.
      if (!listener.stopped) listener.channel.postMessage('change');
    } catch {
      setTimeout(() => void restart(), RELISTEN_MS);
    }
  };
  try {
    await start();
  } catch (err) {
    listener.channel.close();
    throw err;
  }
  conn.listener = listener;
}

async function unlisten(conn: Connection): Promise<void> {
  const listener = conn.listener;
  if (listener === undefined) return;
  conn.listener = undefined;
  listener.stopped = true;
  listener.channel.close();
  await listener.client?.end().catch(() => undefined);
}

function isLost(err: unknown): boolean {
  if (err instanceof Lost) return true;
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') {
    // Class 08: connection exception; 57P01-3: the server is shutting down or starting.
    if (e.code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(e.code)) return true;
    if (/^E[A-Z]+$/.test(e.code)) return true;
  }
  return typeof e.message === 'string' && /Query read timeout|timeout expired|Connection terminated|not queryable/i.test(e.message);
}

function failureOf(err: unknown): WorkerFailure {
  const e = err as { message?: unknown; code?: unknown; detail?: unknown; errors?: unknown };
  // A connection refused on every address of a name is an AggregateError without a message of its own.
  const first = Array.isArray(e.errors) && e.errors.length > 0 ? (e.errors[0] as typeof e) : e;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(first.message ?? err);
  const code = typeof e.code === 'string' ? e.code : typeof first.code === 'string' ? first.code : undefined;
  const failure: WorkerFailure = { message: message.split('\n')[0] ?? message };
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E')) failure.sqlstate = code;
  else if (code !== undefined) failure.errno = code;
  if (typeof e.detail === 'string') failure.detail = e.detail;
  if (isLost(err) || failure.errno !== undefined) failure.lost = true;
  return failure;
}

function connection(id: number): Connection {
  const conn = connections.get(id);
  if (conn === undefined) throw new Error(`PostgreSQL connection ${id} is closed`);
  return conn;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  if (req.op === 'open') {
    const conn: Connection = { url: req.url, limits: req.limits, client: undefined, depth: 0, listener: undefined };
    await statementClient(conn);
    const id = nextId++;
    connections.set(id, conn);
    return id;
  }
  const conn = connection(req.id);
  switch (req.op) {
    case 'query': {
      const result = await run(conn, req.sql, req.params);
      return { rows: result.rows as Array<Record<string, unknown>>, rowCount: result.rowCount ?? 0 };
    }
    case 'begin':
      await run(conn, conn.depth === 0 ? 'BEGIN' : `SAVEPOINT s${conn.depth}`);
      conn.depth++;
      return undefined;
    case 'commit':
      conn.depth--;
      await run(conn, conn.depth === 0 ? 'COMMIT' : `RELEASE SAVEPOINT s${conn.depth}`);
      return undefined;
    case 'rollback':
      conn.depth--;
      // A lost connection took its transaction with it: nothing is left to undo.
      if (conn.client === undefined) return undefined;
      await run(conn, conn.depth === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT s${conn.depth}; RELEASE SAVEPOINT s${conn.depth}`);
      return undefined;
    case 'listen':
      await listen(conn, req.channel, req.broadcast);
      return undefined;
    case 'unlisten':
      await unlisten(conn);
      return undefined;
    case 'close':
      connections.delete(req.id);
      await unlisten(conn);
      await conn.client?.end().catch(() => undefined);
      return undefined;
  }
}

runAsWorker(async (req: WorkerRequest): Promise<WorkerReply> => {
  try {
    return { ok: true, value: await handle(req) };
  } catch (err) {
    return { ok: false, failure: failureOf(err) };
  }
});

/**
 * The PostgreSQL state database's schema as an ordered list of migrations,
 * as sqlite-migrations.ts is for SQLite: the same tables and columns (so
 * store-rows.ts maps the rows of both), JSON kept as text and times as ISO
 * strings as there, so both stores hand out identical records. The table
 * `mlaas_schema` records how many migrations have run; a later mlaas appends
 * one (never edits a published one).
 *
 * Every table notifies `STATE_CHANGED_CHANNEL` from a trigger when a row
 * changes, in the changing transaction, so a change by any process (or by
 * hand, in psql) reaches every store's `onChange` once it commits. A table a
 * later migration adds gets the same trigger (`notifyOnChange`).
 */
import { MlaasError } from '../errors.js';
import type { PostgresConnection } from './postgres-connection.js';

export const STATE_CHANGED_CHANNEL = 'mlaas_state_changed';

function notifyOnChange(table: string): string {
  return `CREATE TRIGGER ${table}_changed AFTER INSERT OR UPDATE OR DELETE ON ${table}
    FOR EACH ROW EXECUTE FUNCTION mlaas_notify_change();`;
}

/** Migration `i` takes the schema from version `i` to `i + 1`. Text that is sorted compares bytes (COLLATE "C"), as SQLite does. */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE FUNCTION mlaas_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    -- One payload for every change: PostgreSQL sends a transaction's identical notifications once.
    PERFORM pg_notify('${STATE_CHANGED_CHANNEL}', '');
    RETURN NULL;
  END
  $$;

  CREATE TABLE services (
    name        TEXT COLLATE "C" PRIMARY KEY,
    spec        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  CREATE TABLE tenants (
    id            TEXT COLLATE "C" PRIMARY KEY,
    display_name  TEXT NOT NULL,
    config        TEXT NOT NULL,
    attributes    TEXT NOT NULL DEFAULT '{}',
    quota         TEXT,
    key_quota     TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  );

  CREATE TABLE api_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    tenant_id     TEXT COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    hash          TEXT NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    expires_at    TEXT,
    revoked_at    TEXT,
    last_used_at  TEXT,
    description   TEXT,
    scopes        TEXT,
    quota         TEXT,
    allow_tags    INTEGER NOT NULL DEFAULT 0,
    rotated_from  TEXT
  );
  CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id);

  CREATE TABLE audit_log (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL
  );

  CREATE TABLE revisions (
    name             TEXT COLLATE "C" PRIMARY KEY,
    service          TEXT COLLATE "C" NOT NULL,
    number           INTEGER NOT NULL,
    spec             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    state            TEXT NOT NULL,
    reason           TEXT,
    full_traffic_at  TEXT,
    last_active_at   TEXT,
    UNIQUE (service, number)
  );

  CREATE TABLE traffic (
    service     TEXT COLLATE "C" PRIMARY KEY,
    policy      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  CREATE TABLE flags (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    document    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  CREATE TABLE applied (
    resource     TEXT COLLATE "C" PRIMARY KEY,
    declaration  TEXT NOT NULL,
    applied_at   TEXT NOT NULL
  );

  ${['services', 'tenants', 'audit_log', 'revisions', 'traffic', 'flags', 'applied'].map(notifyOnChange).join('\n  ')}
  -- A key's last use is telemetry, written as gateways see traffic: only its other columns are a change.
  CREATE TRIGGER api_keys_changed AFTER INSERT OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION mlaas_notify_change();
  CREATE TRIGGER api_keys_updated AFTER UPDATE ON api_keys
    FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
    EXECUTE FUNCTION mlaas_notify_change();
  `,
  `
  CREATE TABLE ready_instances (
    revision    TEXT COLLATE "C" PRIMARY KEY,
    instances   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  CREATE TABLE activator (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    url         TEXT NOT NULL,
    token       TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  ${['ready_instances', 'activator'].map(notifyOnChange).join('\n  ')}
  `,
];

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Any constant of ours: the key of the advisory lock that makes concurrent start-ups migrate one after the other. */
const MIGRATION_LOCK = 7_346_501;

/**
 * Brings the database up to `POSTGRES_SCHEMA_VERSION` in one transaction.
 * Two processes starting at once on a new database take turns (an advisory
 * lock), so the second sees the first one's schema. Refuses a database
 * written by a newer mlaas rather than guess at tables it does not know.
 */
export function migratePostgres(conn: PostgresConnection): void {
  conn.transaction(() => {
    conn.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    conn.run('CREATE TABLE IF NOT EXISTS mlaas_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    const current = conn.query<{ version: number }>('SELECT version FROM mlaas_schema WHERE id = 1')[0]?.version ?? 0;
    if (current > POSTGRES_SCHEMA_VERSION) {
      throw new Error(
        `state: the database at ${conn.address} has schema version ${current}, newer than this mlaas understands (${POSTGRES_SCHEMA_VERSION}); upgrade mlaas`,
      );
    }
    if (current === POSTGRES_SCHEMA_VERSION) return;
    for (let v = current; v < POSTGRES_SCHEMA_VERSION; v++) conn.run(POSTGRES_MIGRATIONS[v] as string);
    conn.run(
      'INSERT INTO mlaas_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version',
      [POSTGRES_SCHEMA_VERSION],
    );
  });
}

/**
 * For a process that reads the store but must not shape it (`mlaas gateway`):
 * refuses a database no control plane has brought to this schema yet.
 */
export function requireCurrentPostgresSchema(conn: PostgresConnection): void {
  const table = conn.query<{ name: string | null }>("SELECT to_regclass('mlaas_schema')::text AS name")[0]?.name ?? null;
  const current = table === null ? 0 : (conn.query<{ version: number }>('SELECT version FROM mlaas_schema WHERE id = 1')[0]?.version ?? 0);
  if (current > POSTGRES_SCHEMA_VERSION) {
    throw new Error(`state: the database at ${conn.address} has schema version ${current}, newer than this mlaas understands (${POSTGRES_SCHEMA_VERSION}); upgrade mlaas`);
  }
  if (current < POSTGRES_SCHEMA_VERSION) {
    throw new MlaasError(
      'PLATFORM_STATE_NOT_READY',
      `state: the database at ${conn.address} has schema version ${current}, expected ${POSTGRES_SCHEMA_VERSION}; start the control plane (mlaas up) on it first`,
    );
  }
}

/**
 * The state database's schema as an ordered list of migrations. `PRAGMA
 * user_version` records how many have run; a later mlaas appends a migration
 * (never edits a published one) and every store opened by it catches up.
 */
import type Database from 'better-sqlite3';
import { MlaasError } from '../errors.js';

/** Migration `i` takes the schema from version `i` to `i + 1`. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE services (
    name        TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;

  CREATE TABLE tenants (
    id            TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    config        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  ) STRICT;

  CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    hash          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT,
    revoked_at    TEXT,
    last_used_at  TEXT,
    description   TEXT
  ) STRICT;
  CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id);

  CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL
  ) STRICT;
  `,
  `
  CREATE TABLE revisions (
    name             TEXT PRIMARY KEY,
    service          TEXT NOT NULL,
    number           INTEGER NOT NULL,
    spec             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    state            TEXT NOT NULL,
    reason           TEXT,
    full_traffic_at  TEXT,
    UNIQUE (service, number)
  ) STRICT;

  CREATE TABLE traffic (
    service     TEXT PRIMARY KEY,
    policy      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;
  `,
  `
  ALTER TABLE tenants ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE tenants ADD COLUMN quota TEXT;
  ALTER TABLE tenants ADD COLUMN key_quota TEXT;

  ALTER TABLE api_keys ADD COLUMN scopes TEXT;
  ALTER TABLE api_keys ADD COLUMN quota TEXT;
  ALTER TABLE api_keys ADD COLUMN rotated_from TEXT;

  CREATE TABLE flags (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    document    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;
  `,
  `
  ALTER TABLE api_keys ADD COLUMN allow_tags INTEGER NOT NULL DEFAULT 0;
  `,
  `
  ALTER TABLE revisions ADD COLUMN last_active_at TEXT;
  `,
  `
  CREATE TABLE applied (
    resource     TEXT PRIMARY KEY,
    declaration  TEXT NOT NULL,
    applied_at   TEXT NOT NULL
  ) STRICT;
  `,
  `
  CREATE TABLE ready_instances (
    revision    TEXT PRIMARY KEY,
    instances   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;

  CREATE TABLE activator (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    url         TEXT NOT NULL,
    token       TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` up to `SCHEMA_VERSION` in one transaction. Refuses a database
 * written by a newer mlaas rather than guess at tables it does not know.
 */
export function migrate(db: Database.Database, file: string): void {
  if (schemaVersionOf(db, file) === SCHEMA_VERSION) return;
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
    // PRAGMA takes no bound parameters; SCHEMA_VERSION is a number we own.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/**
 * For a process that only reads what a control plane writes (`mlaas gateway`):
 * the schema must be this mlaas's already, for migrating is the control
 * plane's to do, not a reader's racing it.
 */
export function requireCurrentSchema(db: Database.Database, file: string): void {
  const current = schemaVersionOf(db, file);
  if (current < SCHEMA_VERSION) {
    throw new MlaasError(
      'PLATFORM_STATE_NOT_READY',
      `${file}: schema version ${current}, expected ${SCHEMA_VERSION}; start the control plane (mlaas up) on this state directory first`,
    );
  }
}

function schemaVersionOf(db: Database.Database, file: string): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`${file}: schema version ${current} is newer than this mlaas understands (${SCHEMA_VERSION}); upgrade mlaas`);
  }
  return current;
}

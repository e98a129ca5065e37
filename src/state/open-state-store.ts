/**
 * The state store mlaas.yaml asks for: PostgreSQL for `state: postgres://…`
 * (several gateways and control planes sharing it), else the embedded SQLite
 * file in the state directory. The one place a process picks its store.
 */
import path from 'node:path';
import { redactPostgresUrl } from '../config/postgres-url.js';
import { PostgresStateStore } from './postgres-state-store.js';
import { SqliteStateStore, STATE_DB_FILE } from './sqlite-state-store.js';
import type { StateStore } from './state-store.js';

export interface StateSetting {
  /** mlaas.yaml's `state`: a postgres:// URL, or undefined for SQLite. */
  state?: string | undefined;
  stateDir: string;
}

/**
 * With `migrate: false` (a process that only reads and serves) the store must exist at the current schema.
 * @throws MlaasError ADMIN_STATE_UNAVAILABLE when PostgreSQL cannot be reached, naming the setting and host:port;
 *   PLATFORM_STATE_NOT_READY with `migrate: false` when no control plane has made the store yet.
 * @example
 * const store = openStateStore(config); // SqliteStateStore on <stateDir>/state.db unless `state:` is set
 */
export function openStateStore(setting: StateSetting, options: { migrate?: boolean } = {}): StateStore {
  const migrate = options.migrate !== false;
  return setting.state === undefined ? new SqliteStateStore({ stateDir: setting.stateDir, migrate }) : new PostgresStateStore({ url: setting.state, migrate });
}

/** Where the store is, for a log line or a start-up banner: the SQLite file, or the URL without its password. */
export function stateLocation(setting: StateSetting): string {
  return setting.state === undefined ? path.join(setting.stateDir, STATE_DB_FILE) : redactPostgresUrl(setting.state);
}

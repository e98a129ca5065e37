/**
 * Opens the state database file as SqliteStateStore uses it: WAL so readers
 * never wait for the writer, foreign keys on, a wait for the lock rather than
 * an error. The owner (the control plane) creates the file owner-only and
 * migrates it; a reader (`mlaas gateway`) only opens a file at the current
 * schema, and never creates one.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { MlaasError } from '../errors.js';
import { migrate, requireCurrentSchema } from './sqlite-migrations.js';

/** @throws MlaasError PLATFORM_STATE_NOT_READY for a reader when there is no database yet (or an older schema). */
export function openSqliteDatabase(stateDir: string, file: string, owner: boolean): Database.Database {
  if (owner) {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // Owner-only: SQLite gives the -wal and -shm files the database file's mode, so setting it first covers all three.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(file + suffix)) fs.chmodSync(file + suffix, 0o600);
    }
  } else if (!fs.existsSync(file)) {
    throw new MlaasError('PLATFORM_STATE_NOT_READY', `${file}: no state database; start the control plane (mlaas up) on this state directory first`);
  }
  const db = new Database(file, { fileMustExist: !owner });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // The CLI may read while `mlaas up` writes; wait for the lock rather than fail at once.
    db.pragma('busy_timeout = 5000');
    if (owner) migrate(db, file);
    else requireCurrentSchema(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Opening a service's embedded SQLite file: one connection through better-sqlite3, WAL +
 * `synchronous = FULL` (a commit that returned is fsynced), a busy timeout for a second process on
 * the same file, a page cache and checkpoint interval sized for many writers, and the schema
 * brought up to date by numbered migrations.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** Page cache of one connection, in KiB (SQLite's default is 2 MiB). */
export const SQLITE_CACHE_KIB = 32 * 1024;
/** WAL pages (4 KiB each) after which a commit checkpoints (SQLite's default is 1000). */
export const SQLITE_WAL_CHECKPOINT_PAGES = 10_000;

/** `dataDir` meaning "no file": the database lives in memory (tests). */
export const IN_MEMORY = ':memory:';

export interface OpenSqliteOptions {
  /** The folder of the file (created if missing), or ':memory:'. */
  dataDir: string;
  /** The file's name inside dataDir, e.g. `estacion.db`. */
  file: string;
  /** The schema as numbered steps: `PRAGMA user_version` records how many ran. Append, never edit. */
  migrations: readonly string[];
}

/** Where the database is: dataDir/file, or ':memory:'. */
export function sqlitePath(dataDir: string, file: string): string {
  return dataDir === IN_MEMORY ? IN_MEMORY : join(dataDir, file);
}

/** Opens (creating if needed) and migrates the database; closes it again if anything fails. */
export function openSqlite({ dataDir, file, migrations }: OpenSqliteOptions): Database.Database {
  const path = sqlitePath(dataDir, file);
  if (path !== IN_MEMORY) mkdirSync(dataDir, { recursive: true });
  const db = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // Speed only, durability unchanged (that is journal_mode + synchronous above). A page cache that
    // holds the index pages many pumps write to (the default 2 MiB does not: each insert then reads
    // them back from the file), and checkpoints every SQLITE_WAL_CHECKPOINT_PAGES instead of 1000, so
    // a page written by many commits is copied into the database file once per checkpoint.
    db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_CHECKPOINT_PAGES}`);
    migrate(db, migrations, file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Runs the missing migrations in one immediate transaction (so two processes opening the same file
 * cannot both migrate). Refuses a database written by a newer build; `name` names it in that error.
 */
export function migrate(db: Database.Database, migrations: readonly string[], name: string): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) {
      throw new Error(`${name} tiene el esquema ${current}, más nuevo que el de esta versión (${migrations.length})`);
    }
    for (let v = current; v < migrations.length; v++) {
      db.exec(migrations[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

/** The connection settings openSqlite() promises (read back by the stores' own tests). */
export interface SqliteSettings {
  journal_mode: string;
  synchronous: number;
  foreign_keys: number;
  busy_timeout: number;
}

export function sqliteSettings(db: Database.Database): SqliteSettings {
  const read = (name: string) => db.pragma(name, { simple: true });
  return {
    journal_mode: String(read('journal_mode')),
    synchronous: Number(read('synchronous')),
    foreign_keys: Number(read('foreign_keys')),
    busy_timeout: Number(read('busy_timeout')),
  };
}

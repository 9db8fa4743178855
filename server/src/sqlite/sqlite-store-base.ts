/**
 * The lifecycle every SQLite store of a service shares: setup() opens and migrates the file (once),
 * close() is idempotent, and a call before setup() or after close() throws instead of reopening.
 * The subclass gives its migrations and prepares its statements; it reads them through ready().
 */
import type Database from 'better-sqlite3';
import { migrateAuthSqlite, SqliteAuthStore } from '../auth/sqlite-auth-store.js';
import type { AuthStore } from '../auth/store.js';
import { type OpenSqliteOptions, openSqlite, type SqliteSettings, sqlitePath, sqliteSettings } from './open.js';

export interface SqliteStoreOptions<P> extends OpenSqliteOptions {
  /** The statements (and transactions) the store uses, prepared once the schema is current. */
  prepare(db: Database.Database): P;
}

interface Opened<P> {
  db: Database.Database;
  ping: Database.Statement<[], unknown>;
  prepared: P;
  auth: SqliteAuthStore;
}

export abstract class SqliteStoreBase<P> {
  readonly kind = 'sqlite' as const;
  /** The database file, or ':memory:'. */
  readonly file: string;
  private opened: Opened<P> | null = null;

  protected constructor(private readonly options: SqliteStoreOptions<P>) {
    this.file = sqlitePath(options.dataDir, options.file);
  }

  async setup(): Promise<void> {
    if (this.opened) return;
    const db = openSqlite(this.options);
    try {
      migrateAuthSqlite(db);
      this.opened = {
        db,
        ping: db.prepare('SELECT 1 AS ok'),
        prepared: this.options.prepare(db),
        auth: new SqliteAuthStore(db),
      };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    opened?.db.close();
  }

  async ping(): Promise<void> {
    this.state().ping.get();
  }

  /** The pragmas in force on this connection. */
  settings(): SqliteSettings {
    return sqliteSettings(this.state().db);
  }

  /** Users, credentials and the audit log, in the same file (same durability). */
  get auth(): AuthStore {
    return this.state().auth;
  }

  /** What prepare() returned; throws before setup() and after close(). */
  protected ready(): P {
    return this.state().prepared;
  }

  private state(): Opened<P> {
    if (!this.opened) throw new Error('SqliteStore: no está abierto (falta setup() o ya se cerró)');
    return this.opened;
  }
}

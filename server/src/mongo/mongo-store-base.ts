/**
 * What every MongoDB store of a service does the same way: one client whose writes wait for
 * `{ w: 'majority', journal: true }`, the database named by the option, else by the URL's path,
 * else by the service, and a close that is final (a closed client would silently reconnect on the
 * next call, so every call checks open() first).
 */
import { type Db, MongoClient, MongoServerError } from 'mongodb';
import { MongoAuthStore } from '../auth/mongo-auth-store.js';
import type { AuthStore } from '../auth/store.js';

/** MongoDB's error code for a unique-index violation. */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(err: unknown): err is MongoServerError {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/** The database named in the connection string's path, if any. */
export function dbNameFromUrl(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]+\/([^?]+)/.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

export interface MongoStoreOptions {
  url: string;
  /** Default: the URL's path, else the service's default name. */
  dbName?: string;
}

export abstract class MongoStoreBase {
  readonly kind = 'mongodb' as const;
  readonly dbName: string;
  protected readonly client: MongoClient;
  protected readonly db: Db;
  private readonly authStore: MongoAuthStore;
  private closed = false;

  /** No I/O: the client connects in connect(), from the subclass's setup(). */
  protected constructor({ url, dbName }: MongoStoreOptions, defaultDbName: string) {
    this.client = new MongoClient(url, { writeConcern: { w: 'majority', journal: true } });
    this.dbName = dbName ?? dbNameFromUrl(url) ?? defaultDbName;
    this.db = this.client.db(this.dbName);
    this.authStore = new MongoAuthStore(this.db);
  }

  /** Users, credentials and the audit log, in the same database. */
  get auth(): AuthStore {
    this.open();
    return this.authStore;
  }

  /** Subclasses' setup() calls this (it also creates the auth indexes), then creates their indexes. */
  protected async connect(): Promise<void> {
    this.open();
    await this.client.connect();
    await this.authStore.setup();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  async ping(): Promise<void> {
    this.open();
    await this.db.command({ ping: 1 });
  }

  /** A closed client would silently reconnect on the next operation: refuse instead. */
  protected open(): void {
    if (this.closed) throw new Error('MongoStore: el store está cerrado');
  }
}

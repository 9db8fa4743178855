/**
 * Scaffolding for the services' store tests: a contract suite that owns the stores' lifecycle,
 * stores on temporary folders removed after each test, and MongoDB suites that skip (saying why)
 * without MONGO_URL and give each test a database of its own, dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/** What the contract scaffolding needs of a store. */
export interface LifecycleStore {
  setup(): Promise<void>;
  close(): Promise<void>;
  ping(): Promise<void>;
}

export interface StoreContractOptions<S> {
  /** A new store (not set up yet) on the same data as `store`, which the suite has closed. */
  reopen(store: S): Promise<S>;
}

export interface StoreContractHandle<S> {
  /** The running test's store: on fresh, empty data and set up. */
  readonly store: S;
  /** Sets `s` up; the suite closes it after the test. */
  open(s: S): Promise<S>;
  /** Closes the test's store and opens (sets up) a new one on the same data. */
  reopen(): Promise<S>;
}

/**
 * One store contract, run by every adapter's test file. Each test gets a fresh store on empty data
 * (`makeStore`; the adapter's test file removes that data after the test); the suite drives the
 * lifecycle (setup, close), closes every store it opened and checks ping/close itself, in a
 * `lifecycle` group where `lifecycle` adds the service's own tests. `body` adds the rest.
 */
export function storeContractSuite<S extends LifecycleStore>(
  title: string,
  makeStore: () => Promise<S>,
  options: StoreContractOptions<S> & { lifecycle?: (t: StoreContractHandle<S>) => void },
  body: (t: StoreContractHandle<S>) => void,
): void {
  describe(title, () => {
    let store: S;
    const opened: S[] = [];

    async function open(s: S): Promise<S> {
      opened.push(s);
      await s.setup();
      return s;
    }

    const handle: StoreContractHandle<S> = {
      get store() {
        return store;
      },
      open,
      async reopen() {
        await store.close();
        return open(await options.reopen(store));
      },
    };

    beforeEach(async () => {
      store = await open(await makeStore());
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    describe('lifecycle', () => {
      it('ping resolves while open and rejects once closed; close is idempotent', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
        await expect(store.ping()).rejects.toThrow();
      });
      options.lifecycle?.(handle);
    });

    body(handle);
  });
}

export interface TempDirStores<S> {
  /** A new empty folder, removed after the test. */
  tempDir: () => string;
  /** A store (not set up) on `dir`, closed after the test. */
  storeIn: (dir: string) => S;
  /** Closes `store` after the test too (one made without storeIn, e.g. in memory). */
  track: (store: S, dir?: string) => S;
  /** A new store on the folder of `store` (the contract's reopen). */
  reopen: (store: S) => Promise<S>;
}

/** Stores on temporary folders: after each test the stores are closed, then the folders removed. */
export function storesInTempDirs<S extends { close(): Promise<void> }>(
  prefix: string,
  make: (dir: string) => S,
): TempDirStores<S> {
  const dirs: string[] = [];
  const stores = new Map<S, string>();

  afterEach(async () => {
    for (const store of stores.keys()) await store.close();
    stores.clear();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const track = (store: S, dir = ':memory:') => {
    stores.set(store, dir);
    return store;
  };
  const storeIn = (dir: string) => track(make(dir), dir);
  return {
    tempDir() {
      const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    storeIn,
    track,
    async reopen(store) {
      const dir = stores.get(store);
      if (!dir) throw new Error('reopen: not a store of this file');
      return storeIn(dir);
    },
  };
}

export interface MongoTestDatabases {
  /** MONGO_URL. */
  readonly url: string;
  /** A client of the suite's own, for reading what a store wrote. */
  readonly admin: MongoClient;
  /** A database name no other test uses; the database is dropped after the test. */
  freshDbName(): string;
}

/**
 * A suite that needs a MongoDB server: skipped, with the reason printed, when MONGO_URL is not
 * set. Database names start with `prefix`.
 */
export function describeWithMongo(title: string, prefix: string, body: (mongo: MongoTestDatabases) => void): void {
  const url = process.env.MONGO_URL;
  if (!url) {
    console.warn(`MongoDB tests skipped (${title}): MONGO_URL is not set (no MongoDB server on this machine)`);
  }
  describe.skipIf(!url)(title, () => {
    let admin: MongoClient | undefined;
    const databases: string[] = [];
    let n = 0;

    beforeAll(async () => {
      admin = new MongoClient(url ?? '');
      await admin.connect();
    });
    afterEach(async () => {
      for (const name of databases.splice(0)) await admin?.db(name).dropDatabase();
    });
    afterAll(async () => {
      await admin?.close();
    });

    body({
      url: url ?? '',
      get admin() {
        if (!admin) throw new Error('describeWithMongo: the admin client connects in beforeAll');
        return admin;
      },
      freshDbName() {
        const name = `${prefix}_${process.pid}_${Date.now()}_${++n}`;
        databases.push(name);
        return name;
      },
    });
  });
}

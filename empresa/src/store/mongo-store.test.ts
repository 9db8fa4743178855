import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { createStore } from './index.js';
import { dbNameFromUrl, MongoStore } from './mongo-store.js';
import { SqliteStore } from './sqlite-store.js';
import { unaEstacion, unaVersion } from './test-builders.js';

const url = process.env.MONGO_URL;
if (!url) {
  console.warn('MongoDB contract tests skipped: MONGO_URL is not set (no MongoDB server on this machine)');
}

describe('createStore', () => {
  it('uses SQLite without a URL (also an empty one) and MongoDB with one, without connecting', async () => {
    expect(createStore({ dataDir: ':memory:' })).toBeInstanceOf(SqliteStore);
    expect(createStore({ dataDir: ':memory:', mongoUrl: '' })).toBeInstanceOf(SqliteStore);
    const mongo = createStore({ dataDir: ':memory:', mongoUrl: 'mongodb://127.0.0.1:1/empresa_7' });
    expect(mongo).toBeInstanceOf(MongoStore);
    expect(mongo.kind).toBe('mongodb');
    await mongo.close();
  });
});

describe('MongoStore without a server', () => {
  it('takes the database name from the option, else the URL path, else empresa', () => {
    expect(new MongoStore({ url: 'mongodb://127.0.0.1:1/otra', dbName: 'propia' }).dbName).toBe('propia');
    expect(new MongoStore({ url: 'mongodb://u:p@h1:1,h2:1/de_url?replicaSet=rs0' }).dbName).toBe('de_url');
    expect(new MongoStore({ url: 'mongodb://127.0.0.1:1/?replicaSet=rs0' }).dbName).toBe('empresa');
    expect(dbNameFromUrl('mongodb://127.0.0.1:1')).toBeUndefined();
  });

  it('refuses every call once closed instead of silently reconnecting', async () => {
    const store = new MongoStore({ url: 'mongodb://127.0.0.1:1' });
    await store.close();
    await expect(store.ping()).rejects.toThrow(/cerrado/);
    await expect(store.appendPriceVersion(unaVersion())).rejects.toThrow(/cerrado/);
  });
});

describe.skipIf(!url)('MongoStore (needs MONGO_URL)', () => {
  const mongoUrl = url ?? '';
  let admin: MongoClient;
  const databases: string[] = [];
  let n = 0;

  const storeOn = (dbName: string) => new MongoStore({ url: mongoUrl, dbName });
  function freshStore(): MongoStore {
    const dbName = `empresa_test_${process.pid}_${Date.now()}_${++n}`;
    databases.push(dbName);
    return storeOn(dbName);
  }

  beforeAll(async () => {
    admin = new MongoClient(mongoUrl);
    await admin.connect();
  });
  afterEach(async () => {
    for (const name of databases.splice(0)) await admin.db(name).dropDatabase();
  });
  afterAll(async () => {
    await admin?.close();
  });

  describeStoreContract('MongoStore', async () => freshStore(), {
    async reopen(store) {
      return storeOn((store as MongoStore).dbName);
    },
  });

  it('creates the unique indexes and never returns the driver _id', async () => {
    const store = freshStore();
    await store.setup();
    try {
      await store.insertStation(unaEstacion({ id_estacion: 'a' }));
      const db = admin.db(store.dbName);
      const indexes = await db.collection('estaciones').indexes();
      expect(indexes).toContainEqual(expect.objectContaining({ key: { host: 1, puerto: 1 }, unique: true }));
      expect(Object.keys((await store.listStations())[0] ?? {})).not.toContain('_id');
    } finally {
      await store.close();
    }
  });
});

import { dbNameFromUrl } from '@combustible/server';
import { describeAuthStoreContract, describeWithMongo } from '@combustible/server/testing';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { createStore } from './index.js';
import { MongoStore } from './mongo-store.js';
import { SqliteStore } from './sqlite-store.js';
import { unaEstacion, unaVersion } from './test-builders.js';

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

describeWithMongo('MongoStore (needs MONGO_URL)', 'empresa_test', (mongo) => {
  const storeOn = (dbName: string) => new MongoStore({ url: mongo.url, dbName });
  const freshStore = () => storeOn(mongo.freshDbName());

  describeStoreContract('MongoStore', async () => freshStore(), {
    async reopen(store) {
      return storeOn((store as MongoStore).dbName);
    },
  });

  describeAuthStoreContract('MongoStore.auth', async () => {
    const store = freshStore();
    await store.setup();
    return { store: store.auth, close: () => store.close() };
  });

  it('creates the unique indexes and never returns the driver _id', async () => {
    const store = freshStore();
    await store.setup();
    try {
      await store.insertStation(unaEstacion({ id_estacion: 'a' }));
      const db = mongo.admin.db(store.dbName);
      const indexes = await db.collection('estaciones').indexes();
      expect(indexes).toContainEqual(expect.objectContaining({ key: { host: 1, puerto: 1 }, unique: true }));
      expect(Object.keys((await store.listStations())[0] ?? {})).not.toContain('_id');
    } finally {
      await store.close();
    }
  });
});

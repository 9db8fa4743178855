import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  DUPLICATE_KEY,
  dbNameFromUrl,
  isDuplicateKeyError,
  MongoStoreBase,
  type MongoStoreOptions,
} from './mongo-store-base.js';

class TestStore extends MongoStoreBase {
  constructor(options: MongoStoreOptions) {
    super(options, 'servicio');
  }

  async setup(): Promise<void> {
    await this.connect();
  }
}

describe('dbNameFromUrl', () => {
  it("takes the database from the URL's path, decoded, and nothing when there is none", () => {
    expect(dbNameFromUrl('mongodb://127.0.0.1:27017/estacion')).toBe('estacion');
    expect(dbNameFromUrl('mongodb://u:p@h1:1,h2:1/de_url?replicaSet=rs0')).toBe('de_url');
    expect(dbNameFromUrl('mongodb+srv://cluster.example.net/con%20espacio?retryWrites=true')).toBe('con espacio');
    expect(dbNameFromUrl('mongodb://127.0.0.1:1/?replicaSet=rs0')).toBeUndefined();
    expect(dbNameFromUrl('mongodb://127.0.0.1:1')).toBeUndefined();
  });
});

describe('MongoStoreBase without a server', () => {
  it('names the database by the option, else the URL path, else the default, without connecting', async () => {
    expect(new TestStore({ url: 'mongodb://127.0.0.1:1/otra', dbName: 'propia' }).dbName).toBe('propia');
    expect(new TestStore({ url: 'mongodb://127.0.0.1:1/otra' }).dbName).toBe('otra');
    const store = new TestStore({ url: 'mongodb://127.0.0.1:1' });
    expect(store.dbName).toBe('servicio');
    expect(store.kind).toBe('mongodb');
    await store.close();
  });

  it('refuses every call once closed instead of silently reconnecting; close is idempotent', async () => {
    const store = new TestStore({ url: 'mongodb://127.0.0.1:1' });
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.ping()).rejects.toThrow(/cerrado/);
    await expect(store.setup()).rejects.toThrow(/cerrado/);
  });

  it('tells a duplicate-key error from any other', () => {
    expect(isDuplicateKeyError(new MongoServerError({ code: DUPLICATE_KEY, errmsg: 'E11000' }))).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ code: 2, errmsg: 'otro' }))).toBe(false);
    expect(isDuplicateKeyError(new Error('E11000'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createStore } from './index.js';
import { MongoStore } from './mongo-store.js';
import { SqliteStore } from './sqlite-store.js';

describe('createStore', () => {
  it('uses the embedded SQLite store when no MongoDB URL is given', async () => {
    const store = createStore({ dataDir: ':memory:' });
    expect(store).toBeInstanceOf(SqliteStore);
    expect(store.kind).toBe('sqlite');
    await store.setup();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it('uses MongoDB when a URL is given (constructing it does not connect)', async () => {
    const store = createStore({ dataDir: ':memory:', mongoUrl: 'mongodb://127.0.0.1:1/estacion_7' });
    expect(store).toBeInstanceOf(MongoStore);
    expect(store.kind).toBe('mongodb');
    expect((store as MongoStore).dbName).toBe('estacion_7');
    await store.close();
  });

  it('treats an empty MongoDB URL as absent', () => {
    expect(createStore({ dataDir: ':memory:', mongoUrl: '' }).kind).toBe('sqlite');
  });
});

import { describeWithMongo } from '@combustible/server/testing';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { MongoStore } from './mongo-store.js';
import { unaAlerta, unaTransaccion } from './test-builders.js';

describe('MongoStore without a server', () => {
  it('takes the database name from the option, else the URL path, else estacion', () => {
    expect(new MongoStore({ url: 'mongodb://127.0.0.1:1/otra', dbName: 'propia' }).dbName).toBe('propia');
    expect(new MongoStore({ url: 'mongodb://u:p@127.0.0.1:1,127.0.0.2:1/de_url?replicaSet=rs0' }).dbName).toBe(
      'de_url',
    );
    expect(new MongoStore({ url: 'mongodb://127.0.0.1:1/?replicaSet=rs0' }).dbName).toBe('estacion');
    expect(new MongoStore({ url: 'mongodb://127.0.0.1:1' }).dbName).toBe('estacion');
  });

  it('refuses every call once closed instead of silently reconnecting', async () => {
    const store = new MongoStore({ url: 'mongodb://127.0.0.1:1' });
    await store.close();
    await expect(store.ping()).rejects.toThrow(/cerrado/);
    await expect(store.insertTransactions([unaTransaccion()])).rejects.toThrow(/cerrado/);
  });
});

describeWithMongo('MongoStore (needs MONGO_URL)', 'estacion_test', (mongo) => {
  function storeOn(dbName: string): MongoStore {
    return new MongoStore({ url: mongo.url, dbName });
  }

  /** A store on a database of its own, dropped after the test. */
  function freshStore(): MongoStore {
    return storeOn(mongo.freshDbName());
  }

  describeStoreContract('MongoStore', async () => freshStore(), {
    async reopen(store) {
      return storeOn((store as MongoStore).dbName);
    },
  });

  describe('MongoStore (adapter only)', () => {
    it('creates the unique dedupe index and the open-alert partial index', async () => {
      const store = freshStore();
      await store.setup();
      try {
        const db = mongo.admin.db(store.dbName);
        const tx = await db.collection('transacciones').indexes();
        expect(tx).toContainEqual(
          expect.objectContaining({ key: { id_surtidor: 1, id_transaccion: 1 }, unique: true }),
        );
        const alertas = await db.collection('alertas').indexes();
        expect(alertas).toContainEqual(
          expect.objectContaining({
            key: { clave: 1 },
            unique: true,
            partialFilterExpression: { abierta: true },
          }),
        );
      } finally {
        await store.close();
      }
    });

    it('stores internal fields that never come back through the port', async () => {
      const store = freshStore();
      await store.setup();
      try {
        const tx = unaTransaccion({ id_transaccion: 'T1', fecha_fin: '2024-01-15T13:00:00' });
        await store.insertTransactions([tx]);
        await store.raiseAlert(unaAlerta({ id: 'a1', clave: 'K' }));
        const db = mongo.admin.db(store.dbName);
        const raw = await db.collection('transacciones').findOne({ id_transaccion: 'T1' });
        expect(raw).toMatchObject({
          fecha_fin_utc: '2024-01-15T13:00:00.000Z',
          fecha_fin: '2024-01-15T13:00:00',
        });
        expect(await db.collection('alertas').findOne({ _id: 'a1' as never })).toMatchObject({
          abierta: true,
        });
        const back = await store.getTransaction(1, 'T1');
        expect(back).toStrictEqual(tx);
        expect(Object.keys((await store.listAlerts({ limit: 1 }))[0] ?? {})).not.toContain('abierta');
      } finally {
        await store.close();
      }
    });
  });
});

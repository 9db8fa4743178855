import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeAuthStoreContract } from '../testing/auth-contract.js';
import { MongoAuthStore } from './mongo-auth-store.js';

const url = process.env.MONGO_URL;
if (!url)
  console.warn('MongoAuthStore contract tests skipped: MONGO_URL is not set (no MongoDB server on this machine)');

describe.skipIf(!url)('MongoAuthStore (needs MONGO_URL)', () => {
  let client: MongoClient;
  let n = 0;
  beforeAll(async () => {
    client = new MongoClient(url ?? '', { writeConcern: { w: 'majority', journal: true } });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
  });

  describeAuthStoreContract('MongoAuthStore', async () => {
    const db: Db = client.db(`auth_test_${process.pid}_${Date.now()}_${++n}`);
    const store = new MongoAuthStore(db);
    await store.setup();
    return { store, close: async () => void (await db.dropDatabase()) };
  });
});

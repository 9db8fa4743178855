import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeAuthStoreContract, unaCadena } from '../testing/auth-contract.js';
import { migrateAuthSqlite, SqliteAuthStore } from './sqlite-auth-store.js';

function memoryStore() {
  const db = new Database(':memory:');
  migrateAuthSqlite(db);
  return { db, store: new SqliteAuthStore(db), close: async () => void db.close() };
}

describeAuthStoreContract('SqliteAuthStore', async () => memoryStore());

describe('SqliteAuthStore (adapter only)', () => {
  it('migrates once, beside tables of the service, and refuses a newer auth schema', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE propia (x INTEGER)');
    db.pragma('user_version = 7');
    migrateAuthSqlite(db);
    migrateAuthSqlite(db);
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    db.prepare("UPDATE componentes_esquema SET version = 99 WHERE componente = 'auth'").run();
    expect(() => migrateAuthSqlite(db)).toThrow(/más nuevo/);
    db.close();
  });

  it('reads an entry whose stored detalles is not JSON instead of failing', async () => {
    const { db, store, close } = memoryStore();
    const [a] = unaCadena(1);
    await store.appendAudit(a!);
    db.prepare("UPDATE auditoria SET detalles = '{roto' WHERE seq = 1").run();
    const page = await store.listAudit({ limit: 10, skip: 0 });
    expect(page.items[0]?.detalles).toEqual({ texto_ilegible: '{roto' });
    await close();
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { storesInTempDirs } from '@combustible/server/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { MIGRATIONS } from './sqlite-schema.js';
import { SQLITE_FILE, SqliteStore } from './sqlite-store.js';
import { unaTransaccion } from './test-builders.js';

const { tempDir, storeIn, track, reopen } = storesInTempDirs(
  'estacion-sqlite',
  (dataDir) => new SqliteStore({ dataDir }),
);

describeStoreContract('SqliteStore', async () => storeIn(tempDir()), { reopen });

describe('SqliteStore (adapter only)', () => {
  it('creates the data directory and estacion.db inside it', async () => {
    const dir = join(tempDir(), 'anidado', 'datos');
    const store = storeIn(dir);
    await store.setup();
    expect(store.file).toBe(join(dir, SQLITE_FILE));
    expect(existsSync(join(dir, SQLITE_FILE))).toBe(true);
  });

  it('runs in WAL mode with synchronous FULL, foreign keys on and a busy timeout', async () => {
    const store = storeIn(tempDir());
    await store.setup();
    expect(store.settings()).toEqual({
      journal_mode: 'wal',
      synchronous: 2,
      foreign_keys: 1,
      busy_timeout: 5000,
    });
  });

  it('records the schema version and reopens an up-to-date file without migrating again', async () => {
    const dir = tempDir();
    const first = storeIn(dir);
    await first.setup();
    await first.insertTransactions([unaTransaccion({ id_transaccion: 'T1' })]);
    await first.close();
    const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
    const second = storeIn(dir);
    await second.setup();
    expect((await second.getTransaction(1, 'T1'))?.id_transaccion).toBe('T1');
  });

  it('refuses a file whose schema is newer than this build', async () => {
    const dir = tempDir();
    const db = new Database(join(dir, SQLITE_FILE));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    await expect(storeIn(dir).setup()).rejects.toThrow(/más nuevo/);
  });

  it('stores fecha_fin normalized to UTC in its own column and keeps the record as sent', async () => {
    const dir = tempDir();
    const store = storeIn(dir);
    await store.setup();
    const tx = unaTransaccion({ id_transaccion: 'T1', fecha_fin: '2024-01-15T13:00:00' });
    await store.insertTransactions([
      tx,
      unaTransaccion({ id_transaccion: 'T2', fecha_fin: '2024-01-15T13:00:00-03:00' }),
    ]);
    await store.close();
    const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
    try {
      const rows = db.prepare('SELECT id_transaccion, fecha_fin_utc FROM transacciones ORDER BY 1').all();
      expect(rows).toEqual([
        { id_transaccion: 'T1', fecha_fin_utc: '2024-01-15T13:00:00.000Z' },
        { id_transaccion: 'T2', fecha_fin_utc: '2024-01-15T16:00:00.000Z' },
      ]);
    } finally {
      db.close();
    }
  });

  it('works in memory for tests, with no file', async () => {
    const store = track(new SqliteStore({ dataDir: ':memory:' }));
    await store.setup();
    expect(store.file).toBe(':memory:');
    expect(await store.insertTransactions([unaTransaccion()])).toEqual(['insertada']);
    expect(existsSync(':memory:')).toBe(false);
  });

  it('rejects calls before setup()', async () => {
    await expect(storeIn(tempDir()).listPumps()).rejects.toThrow(/setup/);
  });
});

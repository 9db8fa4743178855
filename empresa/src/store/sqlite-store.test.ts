import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeAuthStoreContract, storesInTempDirs } from '@combustible/server/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { MIGRATIONS } from './sqlite-schema.js';
import { SQLITE_FILE, SqliteStore } from './sqlite-store.js';
import { unaVersion } from './test-builders.js';

const { tempDir, storeIn, track, reopen } = storesInTempDirs(
  'empresa-sqlite',
  (dataDir) => new SqliteStore({ dataDir }),
);

describeStoreContract('SqliteStore', async () => storeIn(tempDir()), { reopen });

// Users, credentials and the audit log live in empresa.db too, behind store.auth.
describeAuthStoreContract('SqliteStore.auth', async () => {
  const store = storeIn(tempDir());
  await store.setup();
  return { store: store.auth, close: () => store.close() };
});

describe('SqliteStore (adapter only)', () => {
  it('creates the data directory and empresa.db inside it, in WAL mode with synchronous FULL', async () => {
    const dir = join(tempDir(), 'anidado');
    const store = storeIn(dir);
    await store.setup();
    expect(store.file).toBe(join(dir, SQLITE_FILE));
    expect(existsSync(join(dir, SQLITE_FILE))).toBe(true);
    expect(store.settings()).toEqual({
      journal_mode: 'wal',
      synchronous: 2,
      foreign_keys: 1,
      busy_timeout: 5000,
    });
  });

  it('records the schema version and refuses a file whose schema is newer than this build', async () => {
    const dir = tempDir();
    const first = storeIn(dir);
    await first.setup();
    await first.appendPriceVersion(unaVersion());
    await first.close();
    const db = new Database(join(dir, SQLITE_FILE));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    await expect(storeIn(dir).setup()).rejects.toThrow(/más nuevo/);
  });

  it('works in memory for tests, with no file', async () => {
    const store = track(new SqliteStore({ dataDir: ':memory:' }));
    await store.setup();
    expect(await store.appendPriceVersion(unaVersion())).toBe(true);
    expect(existsSync(':memory:')).toBe(false);
  });

  it('reads a damaged limits row as never set, and a version row of schema 2 as in force at once', async () => {
    const dir = tempDir();
    const first = storeIn(dir);
    await first.setup();
    await first.appendPriceVersion(unaVersion({ version: 2 }));
    await first.close();
    const db = new Database(join(dir, SQLITE_FILE));
    db.prepare("INSERT INTO ajustes (clave, valor) VALUES ('limites_precios', '{no es json')").run();
    db.prepare('UPDATE precios SET vigencia = NULL, cancelada = NULL').run();
    db.close();
    const again = storeIn(dir);
    await again.setup();
    expect(await again.getPriceLimits()).toBeNull();
    expect(await again.latestPriceVersion()).toMatchObject({ version: 2, vigencia: null, cancelada: null });
  });

  it('rejects calls before setup()', async () => {
    await expect(storeIn(tempDir()).listStations()).rejects.toThrow(/setup/);
  });
});

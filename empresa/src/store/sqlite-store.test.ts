import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { MIGRATIONS } from './sqlite-schema.js';
import { SQLITE_FILE, SqliteStore } from './sqlite-store.js';
import { unaVersion } from './test-builders.js';

const dirs: string[] = [];
const stores = new Map<SqliteStore, string>();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'empresa-sqlite-'));
  dirs.push(dir);
  return dir;
}

function storeIn(dir: string): SqliteStore {
  const store = new SqliteStore({ dataDir: dir });
  stores.set(store, dir);
  return store;
}

afterEach(async () => {
  for (const store of stores.keys()) await store.close();
  stores.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('SqliteStore', async () => storeIn(tempDir()), {
  async reopen(store) {
    const dir = stores.get(store as SqliteStore);
    if (!dir) throw new Error('reopen: not a store of this file');
    return storeIn(dir);
  },
});

describe('SqliteStore (adapter only)', () => {
  it('creates the data directory and empresa.db inside it, in WAL mode with synchronous FULL', async () => {
    const dir = join(tempDir(), 'anidado');
    const store = storeIn(dir);
    await store.setup();
    expect(store.file).toBe(join(dir, SQLITE_FILE));
    expect(existsSync(join(dir, SQLITE_FILE))).toBe(true);
    expect(store.settings()).toEqual({ journal_mode: 'wal', synchronous: 2 });
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
    const store = new SqliteStore({ dataDir: ':memory:' });
    stores.set(store, ':memory:');
    await store.setup();
    expect(await store.appendPriceVersion(unaVersion())).toBe(true);
    expect(existsSync(':memory:')).toBe(false);
  });

  it('rejects calls before setup()', async () => {
    await expect(storeIn(tempDir()).listStations()).rejects.toThrow(/setup/);
  });
});

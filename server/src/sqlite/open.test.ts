import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openSqlite, sqlitePath } from './open.js';
import { SqliteStoreBase } from './sqlite-store-base.js';

const MIGRATIONS = [
  'CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT;',
  'ALTER TABLE a ADD COLUMN w TEXT;',
] as const;

const dirs: string[] = [];
const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'server-sqlite-'));
  dirs.push(dir);
  return dir;
}

function opened(db: Database.Database): Database.Database {
  open.push(db);
  return db;
}

const userVersion = (db: Database.Database) => db.pragma('user_version', { simple: true });

describe('openSqlite', () => {
  it('creates the data directory and the file, in WAL with synchronous FULL and a busy timeout', () => {
    const dir = join(tempDir(), 'anidado', 'datos');
    const db = opened(openSqlite({ dataDir: dir, file: 'x.db', migrations: MIGRATIONS }));
    expect(existsSync(join(dir, 'x.db'))).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('runs every migration once and records how many ran', () => {
    const dir = tempDir();
    const first = opened(openSqlite({ dataDir: dir, file: 'x.db', migrations: MIGRATIONS }));
    expect(userVersion(first)).toBe(2);
    first.prepare("INSERT INTO a (v, w) VALUES ('uno', 'dos')").run();
    first.close();
    // Opening again runs nothing (an ALTER TABLE run twice would fail) and keeps the data.
    const again = opened(openSqlite({ dataDir: dir, file: 'x.db', migrations: MIGRATIONS }));
    expect(again.prepare('SELECT v, w FROM a').all()).toEqual([{ v: 'uno', w: 'dos' }]);
  });

  it('brings an older file up to date with only the missing steps', () => {
    const dir = tempDir();
    opened(openSqlite({ dataDir: dir, file: 'x.db', migrations: MIGRATIONS.slice(0, 1) })).close();
    const db = opened(openSqlite({ dataDir: dir, file: 'x.db', migrations: MIGRATIONS }));
    expect(userVersion(db)).toBe(2);
    expect(db.prepare('SELECT name FROM pragma_table_info(?)').all('a')).toHaveLength(3);
  });

  it('refuses a file whose schema is newer than this build, naming the file, and leaves it as it was', () => {
    const dir = tempDir();
    const raw = new Database(join(dir, 'x.db'));
    raw.pragma('user_version = 5');
    raw.close();
    expect(() => openSqlite({ dataDir: dir, file: 'x.db', migrations: MIGRATIONS })).toThrow(
      /x\.db tiene el esquema 5, más nuevo que el de esta versión \(2\)/,
    );
    const check = opened(new Database(join(dir, 'x.db'), { readonly: true }));
    expect(userVersion(check)).toBe(5);
  });

  it('rolls a failed migration back whole', () => {
    const db = opened(new Database(':memory:'));
    expect(() => migrate(db, [MIGRATIONS[0], 'CREATE TABLE roto ('], 'x.db')).toThrow();
    expect(userVersion(db)).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([]);
  });

  it('works in memory, with no file and no folder', () => {
    const db = opened(openSqlite({ dataDir: ':memory:', file: 'x.db', migrations: MIGRATIONS }));
    expect(userVersion(db)).toBe(2);
    expect(sqlitePath(':memory:', 'x.db')).toBe(':memory:');
    expect(existsSync(':memory:')).toBe(false);
  });
});

class TestStore extends SqliteStoreBase<{ count: Database.Statement<[], { n: number }> }> {
  constructor(dataDir: string) {
    super({
      dataDir,
      file: 'prueba.db',
      migrations: MIGRATIONS,
      prepare: (db) => ({ count: db.prepare('SELECT COUNT(*) AS n FROM a') }),
    });
  }

  async count(): Promise<number> {
    return this.ready().count.get()?.n ?? -1;
  }
}

describe('SqliteStoreBase', () => {
  it('opens on setup(), answers ping, and refuses calls before setup() and after close()', async () => {
    const dir = tempDir();
    const store = new TestStore(dir);
    expect(store.kind).toBe('sqlite');
    expect(store.file).toBe(join(dir, 'prueba.db'));
    await expect(store.count()).rejects.toThrow(/setup/);
    await store.setup();
    await store.setup();
    await expect(store.ping()).resolves.toBeUndefined();
    expect(await store.count()).toBe(0);
    expect(store.settings()).toEqual({ journal_mode: 'wal', synchronous: 2, foreign_keys: 1, busy_timeout: 5000 });
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.ping()).rejects.toThrow(/setup/);
  });

  it('closes the database again when setup() fails', async () => {
    const dir = tempDir();
    const raw = new Database(join(dir, 'prueba.db'));
    raw.pragma('user_version = 9');
    raw.close();
    const store = new TestStore(dir);
    await expect(store.setup()).rejects.toThrow(/más nuevo/);
    // The file is not held open: it can be removed and opened afresh.
    rmSync(join(dir, 'prueba.db'));
    await store.setup();
    expect(await store.count()).toBe(0);
    await store.close();
  });
});

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

  it('reads a damaged row without failing: the record flagged REGISTRO_IRREGULAR, sums clamped and flagged saturado', async () => {
    const dir = tempDir();
    const store = storeIn(dir);
    await store.setup();
    await store.insertTransactions([
      unaTransaccion({ id_transaccion: 'bien', id_surtidor: 2, litros: 10, monto_total: 12_900 }),
    ]);
    await store.close();
    const db = new Database(join(dir, SQLITE_FILE));
    try {
      const insert = db.prepare(
        `INSERT INTO transacciones (id_surtidor, id_transaccion, tipo_combustible, metodo_pago, fecha_fin_utc,
           litros, monto_total, recibida, secuencia, totalizador_fin, doc)
         VALUES (2, @id, '95', 'efectivo', '2024-01-15T14:30:00.000Z', 1e308, 1e308, '2024-01-15T14:30:01.000Z', NULL, NULL, @doc)`,
      );
      insert.run({ id: 'roto-1', doc: 'esto no es JSON' });
      insert.run({
        id: 'roto-2',
        doc: JSON.stringify({ id_transaccion: 'roto-2', litros: 'diez', tipo_combustible: 'gas' }),
      });
    } finally {
      db.close();
    }
    const again = storeIn(dir);
    await again.setup();
    const roto = await again.getTransaction(2, 'roto-1');
    // What the columns hold is kept (money as a safe integer); what neither holds is neutral, and the record says so.
    expect(roto).toMatchObject({
      id_transaccion: 'roto-1',
      id_surtidor: 2,
      tipo_combustible: '95',
      litros: 1e308,
      monto_total: Number.MAX_SAFE_INTEGER,
      precio_por_litro: 0,
    });
    expect(roto?.observaciones.at(-1)).toMatch(/^REGISTRO_IRREGULAR: .*precio_por_litro ausente/);
    const roto2 = await again.getTransaction(2, 'roto-2');
    expect(roto2).toMatchObject({ tipo_combustible: '95' });
    expect(roto2?.observaciones.at(-1)).toMatch(/^REGISTRO_IRREGULAR: .*litros "diez" no es un número finito/);
    expect(await again.getTransaction(2, 'bien')).toMatchObject({ litros: 10, observaciones: [] });
    // 1e308 + 1e308 is Infinity as a double: clamped and flagged, never a failed read.
    const stats = await again.salesStats({});
    expect(stats.total).toEqual({
      transacciones: 3,
      litros: Number.MAX_SAFE_INTEGER,
      monto: Number.MAX_SAFE_INTEGER,
      saturado: true,
    });
    expect(await again.pumpStats(2)).toMatchObject({
      total_transacciones: 3,
      ingresos_totales: Number.MAX_SAFE_INTEGER,
      saturado: true,
    });
    expect((await again.listTransactions({ limit: 10, skip: 0 })).total).toBe(3);
  });

  it('reads a pump of an older build (no modo_autorizacion) as postpago and a damaged authorization as closed', async () => {
    const dir = tempDir();
    const store = storeIn(dir);
    await store.setup();
    await store.close();
    const db = new Database(join(dir, SQLITE_FILE));
    try {
      db.prepare(
        `INSERT INTO surtidores (id_surtidor, nombre, combustibles_soportados, combustible_actual, configuracion,
           fecha_creacion, fecha_actualizacion) VALUES (9, 'Viejo', '["93"]', NULL, '{}', 'x', 'x')`,
      ).run();
      const insert = db.prepare(
        `INSERT INTO autorizaciones (id_autorizacion, id_surtidor, estado, creada, doc) VALUES (@id, 9, 'emitida', 'x', @doc)`,
      );
      insert.run({ id: 'A-roto', doc: 'no es JSON' });
      insert.run({
        id: 'A-raro',
        doc: JSON.stringify({ id_autorizacion: 'A-raro', estado: 'volando', limite: { tipo: 'monto', valor: -5 } }),
      });
    } finally {
      db.close();
    }
    const again = storeIn(dir);
    await again.setup();
    expect((await again.getPump(9))?.modo_autorizacion).toBe('postpago');
    // The columns fill in what the record lacks; what cannot be read is neutral, and said in motivo.
    expect(await again.getAuthorization('A-roto')).toMatchObject({
      id_autorizacion: 'A-roto',
      id_surtidor: 9,
      estado: 'emitida',
      limite: { tipo: 'lleno' },
    });
    const raro = await again.getAuthorization('A-raro');
    expect(raro).toMatchObject({ estado: 'emitida', limite: { tipo: 'lleno' } });
    expect(raro?.motivo).toMatch(/^REGISTRO_IRREGULAR: .*estado "volando" no es un valor conocido/);
    expect((await again.listAuthorizations({ limit: 10, skip: 0 })).total).toBe(2);
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

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeAuthStoreContract, storesInTempDirs } from '@combustible/server/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { MIGRATIONS } from './sqlite-schema.js';
import { SQLITE_FILE, SqliteStore } from './sqlite-store.js';
import { entrante, unaAlertaReportada, unaVentaReportada, unaVersion, unSurtidorReportado } from './test-builders.js';

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

  it('reads a damaged link state on a lease as none, the lease still listed', async () => {
    const dir = tempDir();
    const first = storeIn(dir);
    await first.setup();
    await first.claimLeases(['a', 'b', 'c'], 'r1', 0, 5000);
    const enlace = {
      estado: 'sincronizado' as const,
      conectada: true,
      version_confirmada: 2,
      ultimo_contacto: 't',
      ultimo_error: null,
    };
    await first.recordLinkStates(
      'r1',
      ['a', 'b', 'c'].map((id_estacion) => ({ id_estacion, ...enlace })),
    );
    await first.close();
    const db = new Database(join(dir, SQLITE_FILE));
    db.prepare("UPDATE arriendos SET estado = 'bailando' WHERE id_estacion = 'a'").run();
    db.prepare("UPDATE arriendos SET conectada = 7 WHERE id_estacion = 'b'").run();
    db.prepare("UPDATE arriendos SET version_confirmada = NULL WHERE id_estacion = 'c'").run();
    db.close();
    const again = storeIn(dir);
    await again.setup();
    expect(await again.activeLeaseLinks(0)).toStrictEqual([
      { id_estacion: 'a', propietario: 'r1', vence: 5000, enlace: null },
      { id_estacion: 'b', propietario: 'r1', vence: 5000, enlace: null },
      { id_estacion: 'c', propietario: 'r1', vence: 5000, enlace: { ...enlace, version_confirmada: null } },
    ]);
  });

  it('reads damaged report rows without failing: the columns, else neutral values', async () => {
    const dir = tempDir();
    const first = storeIn(dir);
    await first.setup();
    const v = unaVentaReportada({
      id_transaccion: 't1',
      id_surtidor: 3,
      litros: 7,
      precio_por_litro: 1000,
      monto_total: 7000,
    });
    await first.saveReports(
      [
        entrante('e1', 1, { clase: 'venta', datos: v }),
        entrante('e1', 2, { clase: 'venta', datos: unaVentaReportada({ id_transaccion: 't2' }) }),
        entrante('e1', 3, { clase: 'alerta', datos: unaAlertaReportada({ id: 'a1' }) }),
        entrante('e1', 4, { clase: 'surtidor', datos: unSurtidorReportado({ id_surtidor: 5 }) }),
      ],
      { maxApartados: 10 },
    );
    await first.close();
    const db = new Database(join(dir, SQLITE_FILE));
    db.prepare("UPDATE ventas_empresa SET datos = '{no es json' WHERE id_transaccion = 't1'").run();
    db.prepare(
      `UPDATE ventas_empresa SET datos = '{"litros":"mucho","metodo_pago":"trueque"}' WHERE id_transaccion = 't2'`,
    ).run();
    db.prepare("UPDATE alertas_empresa SET datos = '[1,2]'").run();
    db.prepare(`UPDATE surtidores_empresa SET datos = '{"version_precios":-4}'`).run();
    db.close();
    const again = storeIn(dir);
    await again.setup();
    const ventas = await again.listSales({}, { limit: 10, skip: 0 });
    expect(ventas.find((x) => x.id_transaccion === 't1')).toMatchObject({
      id_estacion: 'e1',
      seq: 1,
      id_surtidor: 3,
      litros: 7,
      monto_total: 7000,
      fecha_fin: '1970-01-01T00:00:00.000Z',
    });
    // A field of the wrong type falls back to its column (litros), else to a neutral value.
    expect(ventas.find((x) => x.id_transaccion === 't2')).toMatchObject({ litros: 10, metodo_pago: 'efectivo' });
    const all: unknown[] = [];
    for await (const x of again.iterateSales({})) all.push(x);
    expect(all).toHaveLength(2);
    expect(await again.listOpenAlerts('e1', 10)).toMatchObject([
      { id_estacion: 'e1', seq: 3, id: '', severidad: 'info' },
    ]);
    expect(await again.listReportedPumps('e1')).toMatchObject([{ id_surtidor: 5, version_precios: null }]);
  });

  it('rejects calls before setup()', async () => {
    await expect(storeIn(tempDir()).listStations()).rejects.toThrow(/setup/);
  });
});

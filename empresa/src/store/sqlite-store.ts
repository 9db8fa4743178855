/**
 * The embedded store: one SQLite file (`empresa.db`) through better-sqlite3. WAL +
 * `synchronous = FULL`: a method that returned has its commit fsynced. The company's load (price
 * changes by staff, a few acknowledgements per change and station) fits one connection easily.
 */
import { SqliteStoreBase } from '@combustible/server';
import type Database from 'better-sqlite3';
import type { LimitesPrecios } from '../domain/price-limits.js';
import type { CambioPrecio, Estacion, VersionPrecios } from '../domain/types.js';
import type { CambioEstacion, CompanyStore, InsercionEstacion } from './port.js';
import { nonNegativeInt, pickEstacion, pickLimitesPrecios, pickVersionPrecios } from './records.js';
import { MIGRATIONS } from './sqlite-schema.js';

export const SQLITE_FILE = 'empresa.db';

/** The `ajustes` row of the price limits. */
const LIMITES_CLAVE = 'limites_precios';

interface PreciosRow {
  version: number;
  precios: string;
  actualizado: string;
  autor: string;
  cambios: string;
  vigencia: string | null;
  cancelada: string | null;
}

type EstacionRow = Omit<Estacion, 'id_provisional' | 'tls'> & { id_provisional: number; tls: number };

const toVersion = (r: PreciosRow): VersionPrecios =>
  pickVersionPrecios({
    version: r.version,
    precios: JSON.parse(r.precios) as VersionPrecios['precios'],
    actualizado: r.actualizado,
    autor: r.autor,
    cambios: JSON.parse(r.cambios) as CambioPrecio[],
    vigencia: r.vigencia,
    cancelada: r.cancelada,
  });

const toEstacion = (r: EstacionRow): Estacion =>
  pickEstacion({ ...r, id_provisional: r.id_provisional === 1, tls: r.tls === 1 });
const toRow = (e: Estacion): EstacionRow => ({
  ...pickEstacion(e),
  id_provisional: e.id_provisional ? 1 : 0,
  tls: e.tls ? 1 : 0,
});

type Statement<P extends unknown[] | object = unknown[], R = unknown> = Database.Statement<P, R>;

interface Prepared {
  st: {
    insertVersion: Statement<PreciosRow>;
    latestVersion: Statement<[], PreciosRow>;
    listVersions: Statement<[number, number], PreciosRow>;
    countVersions: Statement<[number], { n: number }>;
    cancelVersion: Statement<{ version: number; at: string }>;
    getSetting: Statement<[string], { valor: string }>;
    putSetting: Statement<{ clave: string; valor: string }>;
    listStations: Statement<[], EstacionRow>;
    getStation: Statement<[string], EstacionRow>;
    byAddress: Statement<[string, number], { id_estacion: string }>;
    insertStation: Statement<EstacionRow>;
    deleteStation: Statement<[string]>;
    recordAck: Statement<{ id: string; version: number; at: string }>;
    recordContact: Statement<{ id: string; at: string }>;
  };
  /** Check, then write: run with .immediate() so no other connection writes in between. */
  insertStation: Database.Transaction<(e: Estacion) => InsercionEstacion>;
  replaceStation: Database.Transaction<(id: string, e: Estacion) => CambioEstacion>;
}

function prepare(db: Database.Database): Prepared {
  const st: Prepared['st'] = {
    insertVersion: db.prepare<PreciosRow>(
      `INSERT INTO precios (version, precios, actualizado, autor, cambios, vigencia, cancelada)
       VALUES (@version, @precios, @actualizado, @autor, @cambios, @vigencia, @cancelada) ON CONFLICT (version) DO NOTHING`,
    ),
    latestVersion: db.prepare<[], PreciosRow>('SELECT * FROM precios ORDER BY version DESC LIMIT 1'),
    listVersions: db.prepare<[number, number], PreciosRow>(
      'SELECT * FROM precios WHERE version < ? ORDER BY version DESC LIMIT ?',
    ),
    countVersions: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM precios WHERE version < ?'),
    cancelVersion: db.prepare<{ version: number; at: string }>(
      'UPDATE precios SET cancelada = @at WHERE version = @version AND cancelada IS NULL',
    ),
    getSetting: db.prepare<[string], { valor: string }>('SELECT valor FROM ajustes WHERE clave = ?'),
    putSetting: db.prepare<{ clave: string; valor: string }>(
      'INSERT INTO ajustes (clave, valor) VALUES (@clave, @valor) ON CONFLICT (clave) DO UPDATE SET valor = excluded.valor',
    ),
    listStations: db.prepare<[], EstacionRow>('SELECT * FROM estaciones ORDER BY id_estacion'),
    getStation: db.prepare<[string], EstacionRow>('SELECT * FROM estaciones WHERE id_estacion = ?'),
    byAddress: db.prepare<[string, number], { id_estacion: string }>(
      'SELECT id_estacion FROM estaciones WHERE host = ? AND puerto = ?',
    ),
    insertStation: db.prepare<EstacionRow>(
      `INSERT INTO estaciones (id_estacion, nombre, host, puerto, tls, id_provisional, creada, actualizada,
         version_confirmada, ultimo_contacto)
       VALUES (@id_estacion, @nombre, @host, @puerto, @tls, @id_provisional, @creada, @actualizada,
         @version_confirmada, @ultimo_contacto)`,
    ),
    deleteStation: db.prepare<[string]>('DELETE FROM estaciones WHERE id_estacion = ?'),
    recordAck: db.prepare<{ id: string; version: number; at: string }>(
      `UPDATE estaciones SET version_confirmada = MAX(COALESCE(version_confirmada, @version), @version),
         ultimo_contacto = @at WHERE id_estacion = @id`,
    ),
    recordContact: db.prepare<{ id: string; at: string }>(
      'UPDATE estaciones SET ultimo_contacto = @at WHERE id_estacion = @id',
    ),
  };

  const insertStation = db.transaction((e: Estacion): InsercionEstacion => {
    if (st.getStation.get(e.id_estacion)) return 'id_duplicado';
    if (st.byAddress.get(e.host, e.puerto)) return 'direccion_duplicada';
    st.insertStation.run(toRow(e));
    return 'insertada';
  });

  const replaceStation = db.transaction((id: string, e: Estacion): CambioEstacion => {
    if (!st.getStation.get(id)) return 'no_encontrada';
    if (e.id_estacion !== id && st.getStation.get(e.id_estacion)) return 'id_duplicado';
    const owner = st.byAddress.get(e.host, e.puerto);
    if (owner && owner.id_estacion !== id) return 'direccion_duplicada';
    st.deleteStation.run(id);
    st.insertStation.run(toRow(e));
    return 'actualizada';
  });

  return { st, insertStation, replaceStation };
}

export class SqliteStore extends SqliteStoreBase<Prepared> implements CompanyStore {
  constructor({ dataDir }: { dataDir: string }) {
    super({ dataDir, file: SQLITE_FILE, migrations: MIGRATIONS, prepare });
  }

  // ── precios ──────────────────────────────────────────────────────────────────────────────

  async appendPriceVersion(v: VersionPrecios): Promise<boolean> {
    const p = pickVersionPrecios(v);
    const result = this.ready().st.insertVersion.run({
      ...p,
      precios: JSON.stringify(p.precios),
      cambios: JSON.stringify(p.cambios),
    });
    return result.changes > 0;
  }

  async latestPriceVersion(): Promise<VersionPrecios | null> {
    const row = this.ready().st.latestVersion.get();
    return row ? toVersion(row) : null;
  }

  async listPriceVersions(filter: { limit: number; antes?: number }): Promise<VersionPrecios[]> {
    const limit = nonNegativeInt(filter.limit);
    if (limit === 0) return [];
    const antes = filter.antes ?? Number.MAX_SAFE_INTEGER;
    return this.ready().st.listVersions.all(antes, limit).map(toVersion);
  }

  async countPriceVersions(filter: { antes?: number }): Promise<number> {
    const antes = filter.antes ?? Number.MAX_SAFE_INTEGER;
    return this.ready().st.countVersions.get(antes)?.n ?? 0;
  }

  async cancelPriceVersion(version: number, at: string): Promise<boolean> {
    return this.ready().st.cancelVersion.run({ version, at }).changes > 0;
  }

  async getPriceLimits(): Promise<LimitesPrecios | null> {
    const row = this.ready().st.getSetting.get(LIMITES_CLAVE);
    if (!row) return null;
    try {
      return pickLimitesPrecios(JSON.parse(row.valor));
    } catch {
      return null; // a damaged row never fails the read: the defaults apply
    }
  }

  async savePriceLimits(limites: LimitesPrecios): Promise<void> {
    const valor = JSON.stringify(pickLimitesPrecios(limites) ?? limites);
    this.ready().st.putSetting.run({ clave: LIMITES_CLAVE, valor });
  }

  // ── estaciones ───────────────────────────────────────────────────────────────────────────

  async listStations(): Promise<Estacion[]> {
    return this.ready().st.listStations.all().map(toEstacion);
  }

  async getStation(id: string): Promise<Estacion | null> {
    const row = this.ready().st.getStation.get(id);
    return row ? toEstacion(row) : null;
  }

  async insertStation(e: Estacion): Promise<InsercionEstacion> {
    return this.ready().insertStation.immediate(e);
  }

  async replaceStation(id: string, e: Estacion): Promise<CambioEstacion> {
    return this.ready().replaceStation.immediate(id, e);
  }

  async deleteStation(id: string): Promise<boolean> {
    return this.ready().st.deleteStation.run(id).changes > 0;
  }

  async recordAck(id: string, version: number, at: string): Promise<boolean> {
    return this.ready().st.recordAck.run({ id, version, at }).changes > 0;
  }

  async recordContact(id: string, at: string): Promise<boolean> {
    return this.ready().st.recordContact.run({ id, at }).changes > 0;
  }
}
